// Package contact is the driver of dry-contact inputs: door contacts,
// request-to-exit buttons, tamper switches. It reads level changes (edges)
// from a Line — a GPIO line on the appliance, a simulator in the demo and in
// tests — debounces them, and publishes an Observation each time the
// contact's settled state changes.
//
// The GPIO character-device binding (go-gpiocdev) implements Line in a later
// package; this one does not import any transport.
package contact
