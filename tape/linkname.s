// This file lets tape.go declare runall without a body (go:linkname).
