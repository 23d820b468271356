//go:build !amd64

package matmul

func kernel(k int, a, b []float64, acc *[mr * nr]float64) { kernelGo(k, a, b, acc) }
