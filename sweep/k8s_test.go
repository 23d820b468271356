package sweep

import (
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// TestKubeManifest decodes the emitted manifest strictly into the official
// Kubernetes types (k8s.io/api/batch/v1): every field must be one the API
// knows, of its type, and the Job must be Indexed with one completion per
// run, the parallelism asked for, the sweep run command, the resources as
// requests and limits, and the project's claim mounted at the working
// directory. A misspelt field is caught the same way.
func TestKubeManifest(t *testing.T) {
	s := tinySweep(t)
	res := Resources{Parallel: 1, CPUs: 2, MemoryMiB: 3072}
	out, err := s.KubeManifest(res, KubeJob{Image: "registry.example/barriergym:1", Claim: "barriergym-project", Workdir: "/project"}, "sweeps/tiny.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var job batchv1.Job
	if err := yaml.UnmarshalStrict(out, &job); err != nil {
		t.Fatalf("strict decoding: %v\n%s", err, out)
	}
	spec := job.Spec
	c := spec.Template.Spec.Containers
	switch {
	case job.APIVersion != "batch/v1" || job.Kind != "Job" || job.Name == "":
		t.Errorf("object %s %s %q", job.APIVersion, job.Kind, job.Name)
	case spec.CompletionMode == nil || *spec.CompletionMode != batchv1.IndexedCompletion:
		t.Errorf("completionMode %v", spec.CompletionMode)
	case spec.Completions == nil || int(*spec.Completions) != len(s.Runs) || spec.Parallelism == nil || *spec.Parallelism != 1:
		t.Errorf("completions %v, parallelism %v", spec.Completions, spec.Parallelism)
	case spec.Template.Spec.RestartPolicy != corev1.RestartPolicyNever || len(c) != 1:
		t.Errorf("pod spec %+v", spec.Template.Spec)
	case strings.Join(c[0].Command, " ") != "barriergym sweep run sweeps/tiny.yaml" || c[0].WorkingDir != "/project":
		t.Errorf("command %v in %s", c[0].Command, c[0].WorkingDir)
	case c[0].Resources.Limits.Cpu().Value() != 2 || c[0].Resources.Requests.Memory().Value() != 3072<<20:
		t.Errorf("resources %+v", c[0].Resources)
	case len(c[0].VolumeMounts) != 1 || c[0].VolumeMounts[0].MountPath != "/project" ||
		spec.Template.Spec.Volumes[0].PersistentVolumeClaim == nil ||
		spec.Template.Spec.Volumes[0].PersistentVolumeClaim.ClaimName != "barriergym-project":
		t.Errorf("volumes %+v %+v", c[0].VolumeMounts, spec.Template.Spec.Volumes)
	}
	// The strict check has teeth: a misspelt field fails it.
	bad := strings.Replace(string(out), "completionMode", "completionMod", 1)
	if err := yaml.UnmarshalStrict([]byte(bad), &job); err == nil {
		t.Error("a misspelt field decoded")
	}
	for _, kj := range []KubeJob{{Claim: "c", Workdir: "/p"}, {Image: "i", Claim: "Bad_Claim", Workdir: "/p"}, {Image: "i", Claim: "c", Workdir: "p"}} {
		if _, err := s.KubeManifest(res, kj, "s.yaml"); err == nil {
			t.Errorf("%+v accepted", kj)
		}
	}
	if _, err := s.KubeManifest(res, KubeJob{Image: "i", Claim: "c", Workdir: "/p"}, "../s.yaml"); err == nil {
		t.Error("a sweep file outside the working directory accepted")
	}
}
