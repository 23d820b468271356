package sweep

import (
	"bytes"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"text/template"
)

// Resources are what each run asks of a cluster.
type Resources struct {
	Parallel  int    // runs at once (Slurm's %P, Kubernetes' parallelism); 0: all
	CPUs      int    // cores per run
	MemoryMiB int    // memory per run
	Time      string // Slurm time limit per run, e.g. "02:00:00"; "" for the partition's
	Partition string // Slurm partition; "" for the default
}

// Validate reports impossible resources.
func (r Resources) Validate() error {
	switch {
	case r.Parallel < 0:
		return fmt.Errorf("parallel %d, want ≥ 0 (0: all runs at once)", r.Parallel)
	case r.CPUs < 1:
		return fmt.Errorf("cpus %d, want ≥ 1", r.CPUs)
	case r.MemoryMiB < 1:
		return fmt.Errorf("memory %d MiB, want ≥ 1", r.MemoryMiB)
	case r.Time != "" && !slurmTime.MatchString(r.Time):
		return fmt.Errorf("time %q, want Slurm's [days-]hours:minutes:seconds or minutes", r.Time)
	case r.Partition != "" && !validName.MatchString(r.Partition):
		return fmt.Errorf("partition %q, want letters, digits, '.', '_' and '-'", r.Partition)
	}
	return nil
}

var (
	slurmTime  = regexp.MustCompile(`^(\d+-)?\d+(:\d{2}){0,2}$`)
	sbatchSafe = regexp.MustCompile(`^[^\s'"\\]+$`)
	shellSafe  = regexp.MustCompile(`^[A-Za-z0-9_./=:-]+$`)
)

var slurmScript = template.Must(template.New("sbatch").Parse(`#!/bin/bash
# Slurm array job for sweep {{.Name}}: {{.N}} runs, one array task each.
# Submit with: sbatch {{.Script}}
# Each task trains run $SLURM_ARRAY_TASK_ID (skipped when complete, resumed
# when partial), so resubmitting the script finishes what is left.
#SBATCH --job-name={{.Name}}
#SBATCH --array=0-{{.Last}}{{if .Parallel}}%{{.Parallel}}{{end}}
#SBATCH --ntasks=1
#SBATCH --cpus-per-task={{.CPUs}}
#SBATCH --mem={{.MemoryMiB}}M
{{- if .Time}}
#SBATCH --time={{.Time}}
{{- end}}
{{- if .Partition}}
#SBATCH --partition={{.Partition}}
{{- end}}
#SBATCH --output={{.Logs}}/slurm-%A_%a.out
#SBATCH --chdir={{.Workdir}}
set -euo pipefail
export GOMAXPROCS=$SLURM_CPUS_PER_TASK
exec {{.Binary}} sweep run {{.File}}
`))

// SlurmScript returns the Slurm array batch script of the sweep: task i
// runs `binary sweep run FILE` with SLURM_ARRAY_TASK_ID = i, in workdir
// (where the sweep's relative paths resolve), logging to OUT/logs.
// script is the path the script will be written to (for its comment).
func (s *Sweep) SlurmScript(res Resources, binary, workdir, script string) ([]byte, error) {
	if err := res.Validate(); err != nil {
		return nil, fmt.Errorf("sweep %s: %w", s.Name, err)
	}
	abs := func(p string) string {
		if filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(workdir, p)
	}
	logs := abs(filepath.Join(s.Out, "logs"))
	for _, p := range []string{logs, workdir} {
		if !sbatchSafe.MatchString(p) {
			return nil, fmt.Errorf("sweep %s: path %q: #SBATCH lines take no spaces or quotes; use a plainer path", s.Name, p)
		}
	}
	var b bytes.Buffer
	err := slurmScript.Execute(&b, map[string]any{
		"Name": s.Name, "N": len(s.Runs), "Last": len(s.Runs) - 1, "Parallel": res.Parallel,
		"CPUs": res.CPUs, "MemoryMiB": res.MemoryMiB, "Time": res.Time, "Partition": res.Partition,
		"Logs": logs, "Workdir": workdir,
		"Binary": shellQuote(binary), "File": shellQuote(abs(s.File)), "Script": script,
	})
	return b.Bytes(), err
}

// shellQuote quotes s for bash when it holds anything but safe characters.
func shellQuote(s string) string {
	if shellSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
