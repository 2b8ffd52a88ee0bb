// Command palisade runs a Palisade facility node, the demo, and the tools:
// palisade demo (a whole simulated facility), node, check, ca init/issue,
// audit verify/prove and bench. Run it without arguments for the usage.
package main
