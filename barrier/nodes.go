package barrier

import (
	"fmt"

	"gorgonia.org/gorgonia"
)

// HOCBFRHSNode builds the right-hand side of the robot2d HOCBF row in a
// Gorgonia graph, h = L_f²b + (p₁+p₂)⊙L_f b + p₁⊙p₂⊙b, from state-only
// coefficient nodes (constants fed per batch) and the gain nodes the
// network outputs. All five nodes have the same shape, e.g. (batch, 1).
func HOCBFRHSNode(lf2b, lfb, b, p1, p2 *gorgonia.Node) (*gorgonia.Node, error) {
	sum, err := gorgonia.Add(p1, p2)
	if err != nil {
		return nil, fmt.Errorf("barrier: HOCBF p1+p2: %w", err)
	}
	first, err := gorgonia.HadamardProd(sum, lfb)
	if err != nil {
		return nil, fmt.Errorf("barrier: HOCBF (p1+p2)·Lf b: %w", err)
	}
	prod, err := gorgonia.HadamardProd(p1, p2)
	if err != nil {
		return nil, fmt.Errorf("barrier: HOCBF p1·p2: %w", err)
	}
	second, err := gorgonia.HadamardProd(prod, b)
	if err != nil {
		return nil, fmt.Errorf("barrier: HOCBF p1·p2·b: %w", err)
	}
	h, err := gorgonia.Add(lf2b, first)
	if err != nil {
		return nil, fmt.Errorf("barrier: HOCBF rhs: %w", err)
	}
	if h, err = gorgonia.Add(h, second); err != nil {
		return nil, fmt.Errorf("barrier: HOCBF rhs: %w", err)
	}
	return h, nil
}

// CBFRHSNode builds the right-hand sides α⊙h of first-order CBF rows (the
// nav VCP rows) from barrier values h (constants fed per batch) and gain
// nodes α of the same shape, e.g. (batch, obstacles).
func CBFRHSNode(alpha, h *gorgonia.Node) (*gorgonia.Node, error) {
	out, err := gorgonia.HadamardProd(alpha, h)
	if err != nil {
		return nil, fmt.Errorf("barrier: CBF rhs α·h: %w", err)
	}
	return out, nil
}
