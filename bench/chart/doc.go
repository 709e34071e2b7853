// Command chart draws the SVG bar chart of bench/run.sh from its CSV.
//
// Usage:
//
//	chart [-in bench/out/results.csv] [-out bench/out/chart.svg] [-base bare] [-title TEXT]
//
// The upper panel has one group of bars per workload, one bar per file
// system, each the file system's speed relative to the base column
// (bare by default): throughput divided by the base's, or the base's time
// divided by its time. So higher is better everywhere and the base is
// 1×. The axis is logarithmic, because on a tmpfs the bare directory is
// often tens of times faster than any FUSE file system. The lower panel
// shows the daemons' peak RSS in MiB on a linear axis.
//
// The CSV has the header workload,unit,better,fs,median,runs; better is
// "higher" or "lower". Rows whose unit is MiB are memory, not speed.
package main
