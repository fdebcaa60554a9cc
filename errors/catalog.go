package errors

import "sort"

// Info is one entry of the error catalog.
type Info struct {
	// Code is the platform's number.
	Code Code
	// Name is the Go constant's name, e.g. "SendMessageTimeout".
	Name string
	// Message is the platform document's Chinese text, verbatim.
	Message string
	// Description is an English description of the code.
	Description string
	// Category groups the code for applications that branch by kind.
	Category Category
	// Action is what the SDK's default retry policy does about the code.
	Action Action
}

// Lookup returns the catalog entry of code.
func Lookup(code int) (Info, bool) {
	i := sort.Search(len(catalog), func(i int) bool { return int(catalog[i].Code) >= code })
	if i < len(catalog) && int(catalog[i].Code) == code {
		return catalog[i], true
	}
	return Info{}, false
}

// All returns every catalog entry in catalog order (ascending code). The slice
// is a fresh copy the caller may keep or modify.
func All() []Info {
	out := make([]Info, len(catalog))
	copy(out, catalog[:])
	return out
}
