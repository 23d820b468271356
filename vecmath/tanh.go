// Package vecmath holds elementwise functions over float64 slices for
// the networks' activations, four values at a time: AVX2 and FMA assembly
// on amd64 where the CPU has them, plain Go otherwise. Both forms run the
// same floating-point operations in the same order (fused multiply–adds
// as math.FMA), so a result does not depend on the machine or on where a
// value sits in its slice.
package vecmath

import "math"

// The constants of tanh, in the order the assembly reads them (filled
// in a variable's initializer, not init, so that tanhVec, built from them,
// is initialized after them).
var tanhConsts = withFactorials([31]float64{
	0:  math.Float64frombits(1<<63 - 1), // |·| mask
	1:  math.Float64frombits(1 << 63),   // sign mask
	2:  0.625,                           // rational form below, exponential form above
	3:  40,                              // 2|x| capped: tanh is 1 in float64 long before
	4:  math.Log2E,
	5:  0x1.8p52, // rounds to a whole number in its low bits
	6:  6.93147180369123816490e-01,
	7:  1.90821492927058770002e-10, // ln 2 = [6] + [7]
	8:  1,
	9:  2,
	10: -9.64399179425052238628e-1, // math.Tanh's rational form, |x| < 0.625
	11: -9.92877231001918586564e1,
	12: -1.61468768441708447952e3,
	13: 1.12811678491632931402e2,
	14: 2.23548839060100448583e3,
	15: 4.84406305325125486048e3,
	// 16…29: 1/k! for k = 0…13, the Taylor series of e^r on |r| ≤ ln2/2
	// (truncation error below 5e-18).
	30: math.Float64frombits(1023), // the exponent bias, as an integer
})

// withFactorials returns c with 1/k! at 16 + k, k = 0…13.
func withFactorials(c [31]float64) [31]float64 {
	f := 1.0
	for k := 0; k <= 13; k++ {
		if k > 0 {
			f *= float64(k)
		}
		c[16+k] = 1 / f
	}
	return c
}

// Tanh sets dst[i] = tanh(src[i]) (dst and src may be the same slice;
// dst at least as long as src). Within 3 ulp of math.Tanh: a rational
// form for |x| < 0.625 (math.Tanh's), 1 − 2/(e^{2|x|} + 1) above, with
// e^t from a degree-13 polynomial and a power of two.
func Tanh(dst, src []float64) {
	n := len(src) &^ 3
	dst = dst[:len(src)]
	tanhBlocks(dst[:n], src[:n])
	if n == len(src) {
		return
	}
	var in, out [4]float64 // the tail, as a block of its own: the same operations
	copy(in[:], src[n:])
	tanhBlocks(out[:], in[:])
	copy(dst[n:], out[:])
}

// tanhGo is one value of Tanh, the assembly's operations in Go.
func tanhGo(x float64) float64 {
	c := &tanhConsts
	a := math.Abs(x)
	var y float64
	if a >= c[2] { // false for NaN: the rational form passes it on
		t := a + a
		if !(t < c[3]) {
			t = c[3]
		}
		s := math.FMA(t, c[4], c[5])
		n := s - c[5]
		r := math.FMA(-n, c[6], t)
		r = math.FMA(-n, c[7], r)
		p := c[29]
		for k := 28; k >= 16; k-- {
			p = math.FMA(p, r, c[k])
		}
		e := p * math.Float64frombits((math.Float64bits(s)+1023)<<52)
		y = c[8] - c[9]/(e+c[8])
	} else {
		z := x * x
		num := math.FMA(math.FMA(c[10], z, c[11]), z, c[12])
		den := math.FMA(math.FMA(z+c[13], z, c[14]), z, c[15])
		y = math.FMA(x*z, num/den, x)
	}
	// x's sign on |y|: the exponential form works on |x|, and the rational
	// one would turn −0 into +0.
	return math.Float64frombits(math.Float64bits(y)&^(1<<63) | math.Float64bits(x)&(1<<63))
}

func tanhBlocksGo(dst, src []float64) {
	for i, x := range src {
		dst[i] = tanhGo(x)
	}
}
