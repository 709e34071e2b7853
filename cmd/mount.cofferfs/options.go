package main

import (
	"errors"
	"fmt"
	"strings"
)

// ignored are mount options that concern mount(8), fstab or systemd only,
// and the VFS flags cofferfs always applies (nosuid, nodev).
var ignored = map[string]bool{
	"defaults": true, "auto": true, "noauto": true, "nofail": true, "nouser": true,
	"_netdev": true, "nosuid": true, "nodev": true, "rw": true,
}

// vfsFlags are the VFS mount options cofferfs honours: each names the
// "cofferfs mount" flag it turns on or (an empty flag) off.
var vfsFlags = map[string]struct {
	flag string
	on   bool
}{
	"noexec": {"--noexec", true}, "exec": {"--noexec", false},
	"noatime": {"--noatime", true}, "atime": {"--noatime", false}, "relatime": {"--noatime", false},
	"nodiratime": {"--nodiratime", true}, "diratime": {"--nodiratime", false},
	// user, users, owner and group imply noexec (and nosuid, nodev),
	// unless a later option says exec, as mount(8) documents.
	"user": {"--noexec", true}, "users": {"--noexec", true},
	"owner": {"--noexec", true}, "group": {"--noexec", true},
}

// refused are options cofferfs cannot honour; dropping them silently
// would mount with less protection or other semantics than asked.
var refused = map[string]string{
	"suid":        "cofferfs always mounts nosuid: modes and owners in a synced folder are not authenticated",
	"dev":         "cofferfs always mounts nodev: device nodes in a synced folder are not authenticated",
	"strictatime": "cofferfs does not keep access times",
	"lazytime":    "cofferfs does not keep access times",
}

// translate turns mount(8) helper arguments (SOURCE MOUNTPOINT [-sfnv]
// [-o OPTIONS] [-t TYPE]) into "cofferfs mount" arguments. fake reports
// -f: do everything but mount.
func translate(args []string) (argv []string, fake bool, err error) {
	var pos, opts []string
	sloppy := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-o" || a == "-t":
			if i+1 >= len(args) {
				return nil, false, fmt.Errorf("%s needs a value", a)
			}
			if a == "-o" {
				opts = append(opts, strings.Split(args[i+1], ",")...)
			}
			i++
		case strings.HasPrefix(a, "-o"):
			opts = append(opts, strings.Split(a[2:], ",")...)
		case strings.HasPrefix(a, "-") && len(a) > 1:
			for _, f := range a[1:] {
				switch f {
				case 's':
					sloppy = true
				case 'f':
					fake = true
				case 'n', 'v':
				default:
					return nil, false, fmt.Errorf("unknown flag -%c", f)
				}
			}
		default:
			pos = append(pos, a)
		}
	}
	if len(pos) != 2 {
		return nil, false, errors.New("need CIPHERDIR and MOUNTPOINT")
	}
	flags, err := optionFlags(opts, sloppy)
	if err != nil {
		return nil, false, err
	}
	return append(append([]string{"mount"}, flags...), pos...), fake, nil
}

// optionFlags maps -o options to cofferfs mount flags. For the VFS
// flags the last option wins, as with mount(8).
func optionFlags(opts []string, sloppy bool) ([]string, error) {
	var flags []string
	vfs := map[string]bool{}
	for _, o := range opts {
		key, val, hasVal := strings.Cut(o, "=")
		if v, ok := vfsFlags[o]; ok {
			vfs[v.flag] = v.on
			continue
		}
		if why, ok := refused[o]; ok {
			return nil, fmt.Errorf("mount option %q is not supported: %s", o, why)
		}
		switch {
		case o == "" || ignored[o] || strings.HasPrefix(o, "x-") || key == "comment":
		case o == "ro":
			flags = append(flags, "--ro")
		case o == "allow_other":
			flags = append(flags, "--allow-other")
		case o == "noxattr":
			flags = append(flags, "--noxattr")
		case o == "reverse":
			flags = append(flags, "--reverse")
		case hasVal && (key == "passfile" || key == "exclude-from" || key == "extpass" || key == "masterkey-file" || key == "idle" || key == "transport" || key == "cache-timeout"):
			flags = append(flags, "--"+key, val)
		case sloppy:
		default:
			return nil, fmt.Errorf("unknown mount option %q", o)
		}
	}
	for _, f := range []string{"--noexec", "--noatime", "--nodiratime"} {
		if vfs[f] {
			flags = append(flags, f)
		}
	}
	return flags, nil
}
