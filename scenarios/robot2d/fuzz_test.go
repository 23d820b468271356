package robot2d

import (
	"bytes"
	"strings"
	"testing"

	"github.com/barriergym/barriergym/barrier"
)

// FuzzReadCSV: any bytes read as BarrierNet demonstrations either give
// finite samples, each with a finite CBF row, or an error naming the file
// — never a panic.
func FuzzReadCSV(f *testing.F) {
	for _, part := range []string{"valid"} {
		data, err := demoFiles.ReadFile("data/barriernet-robot2d/" + part + ".csv")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data[:min(len(data), 2000)])
	}
	f.Add([]byte("x,y,theta,v,dst_y,u_theta_dot,u_accel\n1,2,3\n"))
	f.Add([]byte("x,y,theta,v,dst_y,u_theta_dot,u_accel\n1,2,3,4,5,6,NaN\n"))
	f.Add([]byte("a,b\n"))
	o := barrier.Circle{X: 40, Y: 15, R: 6}
	f.Fuzz(func(t *testing.T, data []byte) {
		err := ReadCSV("fuzz.csv", bytes.NewReader(data), o, func(obs []float64, rows []barrier.Row, u []float64) {
			for _, r := range rows {
				for _, v := range append(append(append([]float64(nil), obs...), u...), append(r.G, r.Lie...)...) {
					if v != v {
						t.Fatalf("NaN in a sample: obs %v u %v row %+v", obs, u, r)
					}
				}
			}
		})
		if err != nil && !strings.HasPrefix(err.Error(), "fuzz.csv") {
			t.Fatalf("error without the file's name: %v", err)
		}
	})
}
