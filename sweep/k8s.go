package sweep

import (
	"bytes"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// KubeJob says where a sweep runs on Kubernetes.
type KubeJob struct {
	Image string // a container image with barriergym on its PATH
	Claim string // the PersistentVolumeClaim holding the project: the sweep file, configs and run directories
	// Workdir is where the claim is mounted and the runs start; the
	// sweep file's path, relative to the working directory here, is
	// taken relative to it there.
	Workdir string
}

// The parts of the Kubernetes batch/v1 Job API the manifest uses, with
// the API's field names. TestKubeManifest decodes the manifest strictly
// into the official types (k8s.io/api/batch/v1), so a misspelt or
// misplaced field here fails the tests; the binary does not link the
// Kubernetes libraries.
type (
	kubeJob struct {
		APIVersion string       `yaml:"apiVersion"`
		Kind       string       `yaml:"kind"`
		Metadata   kubeMetadata `yaml:"metadata"`
		Spec       kubeJobSpec  `yaml:"spec"`
	}
	kubeMetadata struct {
		Name   string            `yaml:"name,omitempty"`
		Labels map[string]string `yaml:"labels"`
	}
	kubeJobSpec struct {
		CompletionMode string      `yaml:"completionMode"`
		Completions    int         `yaml:"completions"`
		Parallelism    int         `yaml:"parallelism"`
		BackoffLimit   int         `yaml:"backoffLimit"`
		Template       kubePodTmpl `yaml:"template"`
	}
	kubePodTmpl struct {
		Metadata kubeMetadata `yaml:"metadata"`
		Spec     kubePodSpec  `yaml:"spec"`
	}
	kubePodSpec struct {
		RestartPolicy string          `yaml:"restartPolicy"`
		Containers    []kubeContainer `yaml:"containers"`
		Volumes       []kubeVolume    `yaml:"volumes"`
	}
	kubeContainer struct {
		Name         string            `yaml:"name"`
		Image        string            `yaml:"image"`
		WorkingDir   string            `yaml:"workingDir"`
		Command      []string          `yaml:"command"`
		Env          []kubeEnv         `yaml:"env"`
		Resources    kubeResources     `yaml:"resources"`
		VolumeMounts []kubeVolumeMount `yaml:"volumeMounts"`
	}
	kubeEnv struct {
		Name  string `yaml:"name"`
		Value string `yaml:"value"`
	}
	kubeResources struct {
		Requests map[string]string `yaml:"requests"`
		Limits   map[string]string `yaml:"limits"`
	}
	kubeVolumeMount struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
	}
	kubeVolume struct {
		Name                  string       `yaml:"name"`
		PersistentVolumeClaim kubeClaimRef `yaml:"persistentVolumeClaim"`
	}
	kubeClaimRef struct {
		ClaimName string `yaml:"claimName"`
	}
)

var dnsSubdomain = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)

// KubeManifest returns the Kubernetes Indexed Job of the sweep as YAML:
// completionMode Indexed, completions = the runs, parallelism =
// res.Parallel (all when 0); each pod runs `barriergym sweep run FILE` in
// the mounted claim, its index from JOB_COMPLETION_INDEX, with res's
// cores and memory as requests and limits. file is the sweep file's path
// relative to the working directory.
func (s *Sweep) KubeManifest(res Resources, kj KubeJob, file string) ([]byte, error) {
	if err := res.Validate(); err != nil {
		return nil, fmt.Errorf("sweep %s: %w", s.Name, err)
	}
	switch {
	case kj.Image == "":
		return nil, fmt.Errorf("sweep %s: say which container image runs barriergym", s.Name)
	case len(kj.Claim) > 253 || !dnsSubdomain.MatchString(kj.Claim):
		return nil, fmt.Errorf("sweep %s: volume claim %q: want a DNS subdomain name (lower case letters, digits, '-', '.')", s.Name, kj.Claim)
	case !filepath.IsAbs(kj.Workdir):
		return nil, fmt.Errorf("sweep %s: workdir %q, want an absolute path in the container", s.Name, kj.Workdir)
	case filepath.IsAbs(file) || strings.HasPrefix(filepath.Clean(file), ".."):
		return nil, fmt.Errorf("sweep %s: the sweep file %s must lie under the working directory, which the volume holds", s.Name, file)
	}
	n := len(s.Runs)
	parallel := n
	if res.Parallel > 0 && res.Parallel < n {
		parallel = res.Parallel
	}
	name := kubeName(s.Name)
	amounts := map[string]string{"cpu": strconv.Itoa(res.CPUs), "memory": strconv.Itoa(res.MemoryMiB) + "Mi"}
	job := kubeJob{
		APIVersion: "batch/v1",
		Kind:       "Job",
		Metadata:   kubeMetadata{Name: name, Labels: map[string]string{"app.kubernetes.io/name": "barriergym", "barriergym/sweep": name}},
		Spec: kubeJobSpec{
			CompletionMode: "Indexed",
			Completions:    n,
			Parallelism:    parallel,
			BackoffLimit:   2 * n, // a failed pod is retried; its run resumes
			Template: kubePodTmpl{
				Metadata: kubeMetadata{Labels: map[string]string{"barriergym/sweep": name}},
				Spec: kubePodSpec{
					RestartPolicy: "Never",
					Containers: []kubeContainer{{
						Name:         "run",
						Image:        kj.Image,
						WorkingDir:   kj.Workdir,
						Command:      []string{"barriergym", "sweep", "run", filepath.ToSlash(file)},
						Env:          []kubeEnv{{Name: "GOMAXPROCS", Value: strconv.Itoa(res.CPUs)}},
						Resources:    kubeResources{Requests: amounts, Limits: amounts},
						VolumeMounts: []kubeVolumeMount{{Name: "project", MountPath: kj.Workdir}},
					}},
					Volumes: []kubeVolume{{Name: "project", PersistentVolumeClaim: kubeClaimRef{ClaimName: kj.Claim}}},
				},
			},
		},
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Kubernetes Indexed Job for sweep %s: %d runs, %d at a time.\n"+
		"# Apply with: kubectl apply -f <this file>; pod i trains run i (JOB_COMPLETION_INDEX).\n", s.Name, n, parallel)
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(job); err != nil {
		return nil, err
	}
	return b.Bytes(), enc.Close()
}

var notDNS = regexp.MustCompile(`[^a-z0-9-]+`)

// kubeName turns a sweep name into a DNS-1123 label (lower case, '-',
// at most 63 characters).
func kubeName(name string) string {
	n := strings.Trim(notDNS.ReplaceAllString(strings.ToLower(name), "-"), "-")
	if len(n) > 63 {
		n = strings.Trim(n[:63], "-")
	}
	if n == "" {
		n = "sweep"
	}
	return n
}
