package protocol

import "os"

func testenvCI() bool { return os.Getenv("CI") == "true" || os.Getenv("SCANOUT_IN_VM") == "1" }
