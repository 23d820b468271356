//go:build tools

// Package barriergym pins, through this file only, the modules that
// DESIGN.md §2 fixes for packages still to come: Ebiten for the viewer
// binary, YAML for configs, gonum/plot for training curves. The build tag
// keeps them out of every build; go.mod keeps their versions.
package barriergym

import (
	_ "github.com/hajimehoshi/ebiten/v2"
	_ "go.yaml.in/yaml/v3"
	_ "gonum.org/v1/plot"
)
