//go:build !amd64

package vecmath

func tanhBlocks(dst, src []float64) { tanhBlocksGo(dst, src) }
