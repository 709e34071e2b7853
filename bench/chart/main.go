package main

import (
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"html"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

// row is one line of the CSV.
type row struct {
	workload, unit, better, fs string
	median                     float64
}

// data is the CSV, indexed.
type data struct {
	fss       []string // file systems in order of first appearance
	speed     []string // speed workloads in order
	memory    []string // memory workloads (unit MiB) in order
	value     map[[2]string]float64
	higher    map[string]bool
	unitOf    map[string]string
	hasColumn map[string]bool
}

func main() {
	in := flag.String("in", "bench/out/results.csv", "results CSV")
	out := flag.String("out", "bench/out/chart.svg", "SVG to write")
	base := flag.String("base", "bare", "column the speeds are relative to (the first column if absent)")
	title := flag.String("title", "cofferfs benchmark", "chart title")
	flag.Parse()

	f, err := os.Open(*in)
	if err != nil {
		fatal(err)
	}
	d, err := parse(f)
	f.Close()
	if err != nil {
		fatal(fmt.Errorf("%s: %w", *in, err))
	}
	w, err := os.Create(*out)
	if err != nil {
		fatal(err)
	}
	if err := render(w, d, *base, *title); err != nil {
		w.Close()
		fatal(err)
	}
	if err := w.Close(); err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "chart:", err)
	os.Exit(1)
}

// parse reads the CSV written by run.sh.
func parse(r io.Reader) (*data, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	recs, err := cr.ReadAll()
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 || len(recs[0]) < 5 || recs[0][0] != "workload" {
		return nil, errors.New("not a results CSV (header workload,unit,better,fs,median,...)")
	}
	d := &data{
		value:     map[[2]string]float64{},
		higher:    map[string]bool{},
		unitOf:    map[string]string{},
		hasColumn: map[string]bool{},
	}
	seenWL := map[string]bool{}
	for i, rec := range recs[1:] {
		if len(rec) < 5 {
			return nil, fmt.Errorf("line %d: %d fields", i+2, len(rec))
		}
		v, err := strconv.ParseFloat(rec[4], 64)
		if err != nil || v <= 0 || math.IsInf(v, 0) || math.IsNaN(v) {
			continue // a failed or missing measurement: no bar
		}
		r := row{workload: rec[0], unit: rec[1], better: rec[2], fs: rec[3], median: v}
		if !d.hasColumn[r.fs] {
			d.hasColumn[r.fs] = true
			d.fss = append(d.fss, r.fs)
		}
		if !seenWL[r.workload] {
			seenWL[r.workload] = true
			if r.unit == "MiB" {
				d.memory = append(d.memory, r.workload)
			} else {
				d.speed = append(d.speed, r.workload)
			}
		}
		d.value[[2]string{r.workload, r.fs}] = r.median
		d.higher[r.workload] = r.better == "higher"
		d.unitOf[r.workload] = r.unit
	}
	if len(d.fss) == 0 {
		return nil, errors.New("no measurements")
	}
	return d, nil
}

// relative returns the speed of fs relative to base on workload wl.
func (d *data) relative(wl, fs, base string) (float64, bool) {
	v, ok1 := d.value[[2]string{wl, fs}]
	b, ok2 := d.value[[2]string{wl, base}]
	if !ok1 || !ok2 {
		return 0, false
	}
	if d.higher[wl] {
		return v / b, true
	}
	return b / v, true
}

var labels = map[string]string{
	"seqwrite":   "seq write",
	"seqread":    "seq read",
	"untar":      "untar",
	"ls_lR":      "ls -lR",
	"readall":    "read all",
	"rm_rf":      "rm -rf",
	"create":     "small files",
	"randread":   "4k rand read",
	"randwrite":  "4k rand write",
	"warm_ls":    "warm ls -lR",
	"warm_rsync": "warm rsync",
	"rss_write":  "during write",
	"rss_untar":  "during untar",
}

func label(wl string) string {
	if l, ok := labels[wl]; ok {
		return l
	}
	return wl
}

var colors = map[string]string{
	"bare":      "#9e9e9e",
	"loopback":  "#4c78a8",
	"cofferfs":  "#e45756",
	"gocryptfs": "#54a24b",
	"securefs":  "#b279a2",
}

var spare = []string{"#f58518", "#72b7b2", "#eeca3b", "#ff9da6", "#9d755d"}

func color(fs string, i int) string {
	if c, ok := colors[fs]; ok {
		return c
	}
	return spare[i%len(spare)]
}

// Layout, in SVG user units.
const (
	barW     = 16.0
	groupGap = 26.0
	left     = 70.0
	right    = 20.0
	panelH   = 300.0
	memH     = 160.0
)

// svg accumulates the document.
type svg struct {
	b strings.Builder
}

func (s *svg) f(format string, a ...any) { fmt.Fprintf(&s.b, format, a...) }

func esc(t string) string { return html.EscapeString(t) }

func render(w io.Writer, d *data, base, title string) error {
	if !d.hasColumn[base] {
		base = d.fss[0]
	}
	nf := float64(len(d.fss))
	groupW := nf*barW + groupGap
	nGroups := max(len(d.speed), len(d.memory), 1)
	width := left + float64(nGroups)*groupW + right
	legendY := 48.0
	top := 84.0
	height := top + panelH + 60
	if len(d.memory) > 0 {
		height += memH + 70
	}

	s := &svg{}
	s.f(`<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="sans-serif" font-size="11">`+"\n",
		width, height, width, height)
	s.f(`<rect width="100%%" height="100%%" fill="white"/>` + "\n")
	s.f(`<text x="%.0f" y="20" font-size="15" font-weight="bold">%s</text>`+"\n", left, esc(title))
	s.f(`<text x="%.0f" y="36" fill="#444">speed relative to %s (=1×), log scale, higher is better; median of the runs</text>`+"\n", left, esc(base))
	x := left
	for i, fs := range d.fss {
		s.f(`<rect x="%.1f" y="%.1f" width="12" height="12" fill="%s"/>`, x, legendY-10, color(fs, i))
		s.f(`<text x="%.1f" y="%.1f">%s</text>`+"\n", x+16, legendY, esc(fs))
		x += 30 + 7*float64(len(fs))
	}

	// Speed panel, log scale.
	lo, hi := 1.0, 1.0
	for _, wl := range d.speed {
		for _, fs := range d.fss {
			if r, ok := d.relative(wl, fs, base); ok {
				lo, hi = math.Min(lo, r), math.Max(hi, r)
			}
		}
	}
	dlo, dhi := math.Floor(math.Log10(lo)), math.Ceil(math.Log10(hi))
	if dhi == dlo {
		dhi++
	}
	yOf := func(v float64) float64 {
		return top + panelH - (math.Log10(v)-dlo)/(dhi-dlo)*panelH
	}
	axes(s, width, top, panelH)
	for e := dlo; e <= dhi; e++ {
		for _, m := range []float64{1, 2, 5} {
			v := m * math.Pow(10, e)
			if math.Log10(v) > dhi+1e-9 {
				break
			}
			y := yOf(v)
			stroke, dash := "#ddd", ` stroke-dasharray="3,3"`
			if m == 1 {
				stroke, dash = "#bbb", ""
			}
			if v == 1 {
				stroke = "#333"
			}
			s.f(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s"%s/>`+"\n", left, y, width-right, y, stroke, dash)
			s.f(`<text x="%.1f" y="%.1f" text-anchor="end" fill="#444">%s×</text>`+"\n", left-6, y+4, tick(v))
		}
	}
	for g, wl := range d.speed {
		gx := left + float64(g)*groupW + groupGap/2
		for i, fs := range d.fss {
			r, ok := d.relative(wl, fs, base)
			if !ok {
				continue
			}
			bx := gx + float64(i)*barW
			y := yOf(r)
			s.f(`<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s %s: %s× %s (%s %s)</title></rect>`+"\n",
				bx, y, barW-2, top+panelH-y, color(fs, i), esc(fs), esc(label(wl)), num(r), esc(base),
				num(d.value[[2]string{wl, fs}]), esc(d.unitOf[wl]))
			s.f(`<text x="%.1f" y="%.1f" font-size="8" transform="rotate(-90 %.1f %.1f)">%s</text>`+"\n",
				bx+barW/2+2, y-3, bx+barW/2+2, y-3, num(r))
		}
		s.f(`<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", gx+nf*barW/2, top+panelH+16, esc(label(wl)))
		s.f(`<text x="%.1f" y="%.1f" text-anchor="middle" fill="#777" font-size="9">%s</text>`+"\n",
			gx+nf*barW/2, top+panelH+29, esc(unitNote(d, wl)))
	}

	// Memory panel, linear scale.
	if len(d.memory) > 0 {
		mtop := top + panelH + 70
		s.f(`<text x="%.0f" y="%.1f" fill="#444">daemon peak RSS (VmHWM), MiB, lower is better</text>`+"\n", left, mtop-12)
		mx := 0.0
		for _, wl := range d.memory {
			for _, fs := range d.fss {
				mx = math.Max(mx, d.value[[2]string{wl, fs}])
			}
		}
		step := niceStep(mx / 4)
		mx = math.Ceil(mx/step) * step
		axes(s, width, mtop, memH)
		for k := 0.0; k*step <= mx+1e-9; k++ {
			v := k * step
			y := mtop + memH - v/mx*memH
			s.f(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#ddd"/>`+"\n", left, y, width-right, y)
			s.f(`<text x="%.1f" y="%.1f" text-anchor="end" fill="#444">%s</text>`+"\n", left-6, y+4, tick(v))
		}
		for g, wl := range d.memory {
			gx := left + float64(g)*groupW + groupGap/2
			for i, fs := range d.fss {
				v, ok := d.value[[2]string{wl, fs}]
				if !ok {
					continue
				}
				bx := gx + float64(i)*barW
				h := v / mx * memH
				s.f(`<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s %s: %s MiB</title></rect>`+"\n",
					bx, mtop+memH-h, barW-2, h, color(fs, i), esc(fs), esc(label(wl)), num(v))
				s.f(`<text x="%.1f" y="%.1f" font-size="8" transform="rotate(-90 %.1f %.1f)">%s</text>`+"\n",
					bx+barW/2+2, mtop+memH-h-3, bx+barW/2+2, mtop+memH-h-3, num(v))
			}
			s.f(`<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", gx+nf*barW/2, mtop+memH+16, esc(label(wl)))
		}
	}
	s.f("</svg>\n")
	_, err := io.WriteString(w, s.b.String())
	return err
}

func axes(s *svg, width, top, h float64) {
	s.f(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#333"/>`+"\n", left, top, left, top+h)
	s.f(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#333"/>`+"\n", left, top+h, width-right, top+h)
}

// unitNote says what the base value of a workload was measured in.
func unitNote(d *data, wl string) string {
	if d.higher[wl] {
		return d.unitOf[wl]
	}
	return "time (" + d.unitOf[wl] + ")"
}

// niceStep rounds a step up to 1, 2 or 5 times a power of ten.
func niceStep(x float64) float64 {
	if x <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= x {
			return m * p
		}
	}
	return 10 * p
}

// num formats a value with about three significant digits.
func num(v float64) string {
	switch a := math.Abs(v); {
	case a == 0:
		return "0"
	case a >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case a >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	default:
		return strconv.FormatFloat(v, 'g', 2, 64)
	}
}

// tick formats an axis value without trailing zeros.
func tick(v float64) string {
	return strconv.FormatFloat(v, 'g', 4, 64)
}
