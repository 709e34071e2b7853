package daemon

import (
	"net"
	"os"
)

// NotifyReady tells systemd that the service is ready (sd_notify
// READY=1) when it runs as a Type=notify unit, that is when
// NOTIFY_SOCKET is set; otherwise it does nothing.
func NotifyReady(status string) error {
	return sdNotify("READY=1\nSTATUS=" + status)
}

// NotifyStopping tells systemd that the service is shutting down.
func NotifyStopping() error { return sdNotify("STOPPING=1") }

func sdNotify(msg string) error {
	path := os.Getenv("NOTIFY_SOCKET")
	if path == "" {
		return nil
	}
	if path[0] == '@' {
		path = "\x00" + path[1:] // abstract socket
	}
	conn, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		return err
	}
	defer conn.Close()
	_, err = conn.Write([]byte(msg))
	return err
}
