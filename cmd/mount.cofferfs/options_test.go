package main

import (
	"slices"
	"testing"
)

func TestTranslate(t *testing.T) {
	cases := []struct {
		args []string
		want []string
		fake bool
	}{
		{[]string{"/c", "/m", "-o", "passfile=/etc/backup.pw,ro,allow_other,idle=30m"},
			[]string{"mount", "--passfile", "/etc/backup.pw", "--ro", "--allow-other", "--idle", "30m", "/c", "/m"}, false},
		{[]string{"/c", "/m", "-o", "transport=uring,passfile=/p"},
			[]string{"mount", "--transport", "uring", "--passfile", "/p", "/c", "/m"}, false},
		{[]string{"/c", "/m", "-o", "noxattr,passfile=/p"},
			[]string{"mount", "--noxattr", "--passfile", "/p", "/c", "/m"}, false},
		{[]string{"/c", "/m", "-o", "cache-timeout=1s,passfile=/p"},
			[]string{"mount", "--cache-timeout", "1s", "--passfile", "/p", "/c", "/m"}, false},
		{[]string{"/c", "/m", "-o", "rw,noauto,nofail,x-systemd.automount,_netdev,extpass=secret-tool lookup a b"},
			[]string{"mount", "--extpass", "secret-tool lookup a b", "/c", "/m"}, false},
		{[]string{"-n", "/c", "/m", "-omasterkey-file=/k", "-t", "fuse.cofferfs"},
			[]string{"mount", "--masterkey-file", "/k", "/c", "/m"}, false},
		{[]string{"/plain", "/m", "-o", "reverse,passfile=/p,exclude-from=/etc/ex"},
			[]string{"mount", "--reverse", "--passfile", "/p", "--exclude-from", "/etc/ex", "/plain", "/m"}, false},
		{[]string{"-fv", "/c", "/m"}, []string{"mount", "/c", "/m"}, true},
		{[]string{"-s", "/c", "/m", "-o", "weird,ro"}, []string{"mount", "--ro", "/c", "/m"}, false},
		{[]string{"/c", "/m", "-o", "noexec,nosuid,nodev,noatime,nodiratime"},
			[]string{"mount", "--noexec", "--noatime", "--nodiratime", "/c", "/m"}, false},
		{[]string{"/c", "/m", "-o", "noexec,exec,relatime,atime,diratime"}, []string{"mount", "/c", "/m"}, false},
		{[]string{"/c", "/m", "-o", "noatime,atime,nodiratime,diratime"}, []string{"mount", "/c", "/m"}, false},
		{[]string{"/c", "/m", "-o", "user"}, []string{"mount", "--noexec", "/c", "/m"}, false},
		{[]string{"/c", "/m", "-o", "users,exec"}, []string{"mount", "/c", "/m"}, false},
	}
	for _, c := range cases {
		got, fake, err := translate(c.args)
		if err != nil || !slices.Equal(got, c.want) || fake != c.fake {
			t.Errorf("translate(%q) = %q, %v, %v; want %q, %v", c.args, got, fake, err, c.want, c.fake)
		}
	}
	for _, bad := range [][]string{{"/c"}, {"/c", "/m", "-o", "weird"}, {"/c", "/m", "-o"}, {"-x", "/c", "/m"},
		// set-ID files and device nodes from a synced folder are never honoured
		{"/c", "/m", "-o", "suid"}, {"-s", "/c", "/m", "-o", "dev"}, {"/c", "/m", "-o", "user,suid"},
		{"/c", "/m", "-o", "strictatime"}, {"/c", "/m", "-o", "lazytime"}} {
		if _, _, err := translate(bad); err == nil {
			t.Errorf("translate(%q) succeeded", bad)
		}
	}
}
