package vm

// Spec is what the host tells the guest's init, as JSON in a file that the
// guest reads through the read-only root share. Its path is passed on the
// kernel command line as scanout.spec=PATH.
type Spec struct {
	Args   []string // the command; Args[0] is looked up in PATH
	Dir    string   // working directory in the guest
	Env    []string // the complete environment
	Shares []Share  // read-write 9p shares, mounted at Path
	Stdout string   // file receiving the command's stdout
	Stderr string   // file receiving the command's stderr
	Exit   string   // file receiving the exit status as decimal text
}

// Share is one read-write virtio-9p share.
type Share struct {
	Tag  string // the 9p mount tag
	Path string // host path, mounted at the same path in the guest
}

// SpecParam is the kernel command line parameter naming the spec file.
const SpecParam = "scanout.spec"
