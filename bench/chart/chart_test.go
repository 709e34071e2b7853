package main

import (
	"encoding/xml"
	"io"
	"strings"
	"testing"
)

const sample = `workload,unit,better,fs,median,runs
seqwrite,MiB/s,higher,bare,2000,2000 1900 2100
seqwrite,MiB/s,higher,cofferfs,500,500
seqwrite,MiB/s,higher,gocryptfs,250,250
rss_write,MiB,lower,cofferfs,40.5,40.5
rss_write,MiB,lower,gocryptfs,30,30
untar,s,lower,bare,0.5,0.5
untar,s,lower,cofferfs,5,5
untar,s,lower,gocryptfs,,
`

func TestParseAndRender(t *testing.T) {
	d, err := parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(d.fss, " "); got != "bare cofferfs gocryptfs" {
		t.Errorf("columns %q", got)
	}
	if got := strings.Join(d.speed, " "); got != "seqwrite untar" {
		t.Errorf("speed workloads %q", got)
	}
	if r, _ := d.relative("seqwrite", "cofferfs", "bare"); r != 0.25 {
		t.Errorf("seqwrite relative %v, want 0.25", r)
	}
	if r, _ := d.relative("untar", "cofferfs", "bare"); r != 0.1 {
		t.Errorf("untar relative %v, want 0.1 (time: base/value)", r)
	}
	if _, ok := d.relative("untar", "gocryptfs", "bare"); ok {
		t.Error("an empty median became a bar")
	}

	var b strings.Builder
	if err := render(&b, d, "bare", `a <title> & "quotes"`); err != nil {
		t.Fatal(err)
	}
	dec := xml.NewDecoder(strings.NewReader(b.String()))
	rects := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "rect" {
			rects++
		}
	}
	// background + 3 legend + 5 speed bars + 2 memory bars
	if rects != 11 {
		t.Errorf("%d rects, want 11", rects)
	}
}

func TestBaseFallsBackToFirstColumn(t *testing.T) {
	d, err := parse(strings.NewReader(strings.ReplaceAll(sample, ",bare,", ",loopback,")))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := render(&b, d, "bare", "t"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "relative to loopback") {
		t.Error("base did not fall back to the first column")
	}
}

func TestNiceStep(t *testing.T) {
	for _, c := range []struct{ in, want float64 }{{0.3, 0.5}, {7, 10}, {12, 20}, {25, 50}, {100, 100}} {
		if got := niceStep(c.in); got != c.want {
			t.Errorf("niceStep(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}
