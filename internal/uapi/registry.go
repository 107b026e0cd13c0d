package uapi

// Request describes one ioctl request number by its C name, for error
// messages and for the ABI check against the C headers.
type Request struct {
	Name string
	Num  uintptr
}

var requests []Request

// register records an ioctl number under its C macro name and returns it.
// Use it to declare every request constant of this package.
func register(name string, num uintptr) uintptr {
	requests = append(requests, Request{Name: name, Num: num})
	return num
}

// Requests lists every ioctl request this package knows, for the ABI check.
func Requests() []Request { return append([]Request(nil), requests...) }
