// Package console is the staff console: a page served from the node's own
// binary that officers keep open on a night shift. It shows the live alarm
// board (sorted by priority, then newest first), lets an officer
// acknowledge and resolve with a note, and shows the cluster's health and
// whether the live stream is connected. Its sally-port step screen shows
// each vehicle sally port's gates, loops and cycle step, offers the
// officer's next actions (the interlock on the node decides, and its
// refusal is shown in its own words) and supervisors' two-person overrides.
//
// The files under static/ are plain HTML, CSS and JavaScript with no build
// step and nothing fetched from outside the node. No inline script or
// style: Handler sends a Content-Security-Policy that forbids them. Package
// api mounts Handler at "/".
package console
