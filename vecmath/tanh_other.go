//go:build !amd64

package vecmath

func tanhBlocks(dst, src []float64) { tanhBlocksGo(dst, src) }

func tanhGradBlocks(d, g, y []float64) { tanhGradGo(d, g, y) }

func addBlocks(dst, src []float64) { addGo(dst, src) }

func adamBlocks(p, m, v, g []float64, c *AdamCoeffs) { adamGo(p, m, v, g, c) }

func reluBlocks(y []float64) { reluGo(y) }

func reluGradBlocks(d, g, y []float64) { reluGradGo(d, g, y) }
