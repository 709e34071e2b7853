package main

import (
	"errors"
	"fmt"
	"strings"
)

// ignored are mount options that concern mount(8), fstab or systemd only.
var ignored = map[string]bool{
	"defaults": true, "auto": true, "noauto": true, "nofail": true, "user": true,
	"users": true, "nouser": true, "_netdev": true, "nosuid": true, "suid": true,
	"nodev": true, "dev": true, "noexec": true, "exec": true, "atime": true,
	"noatime": true, "relatime": true, "strictatime": true, "nodiratime": true,
	"diratime": true, "lazytime": true, "owner": true, "group": true,
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

// optionFlags maps -o options to cofferfs mount flags.
func optionFlags(opts []string, sloppy bool) ([]string, error) {
	var flags []string
	for _, o := range opts {
		key, val, hasVal := strings.Cut(o, "=")
		switch {
		case o == "" || ignored[o] || o == "rw" || strings.HasPrefix(o, "x-") || key == "comment":
		case o == "ro":
			flags = append(flags, "--ro")
		case o == "allow_other":
			flags = append(flags, "--allow-other")
		case o == "noxattr":
			flags = append(flags, "--noxattr")
		case hasVal && (key == "passfile" || key == "extpass" || key == "masterkey-file" || key == "idle" || key == "cache-timeout"):
			flags = append(flags, "--"+key, val)
		case sloppy:
		default:
			return nil, fmt.Errorf("unknown mount option %q", o)
		}
	}
	return flags, nil
}
