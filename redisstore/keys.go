package redisstore

// keys names one account's Redis keys. They share the hash tag {name}, so a
// script that touches them all runs on one Cluster slot.
type keys struct {
	session  string // the current session, prefixed with its generation
	gen      string // the generation counter; never expires
	lease    string // the login lease: the owner's id, with a TTL
	cooldown string // the fleet-wide login cool-down, with a TTL
	channel  string // where each new generation is published
}

func newKeys(prefix, name string) keys {
	base := prefix + "{" + name + "}:"
	return keys{
		session:  base + "session",
		gen:      base + "gen",
		lease:    base + "lease",
		cooldown: base + "cooldown",
		channel:  base + "generation",
	}
}
