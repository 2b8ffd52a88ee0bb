package lifescan

import "fmt"

// judge compares what the scan found with the declaration.
//
//   - More human-like signatures than declared people: hidden occupant.
//   - More signatures in all than declared people and animals: hidden
//     occupant, whatever their kind. The classifier cannot tell a
//     frightened, shallow-breathing person (or a child) from a dog with
//     any certainty, so an animal-like signature is only ever explained by
//     a declared animal or a declared person, never by nothing.
//   - Signatures and unexplained targets together more than declared:
//     inconclusive. Something was there all along that the radar could not
//     measure; the officer searches or rescans.
//   - Otherwise clear; fewer signatures than declared is clear too (a
//     passenger out of the radar's view cannot hide anyone), but said.
func judge(decl Declaration, humans, animals int, unexplained []Signature) (Verdict, string) {
	total := humans + animals
	declared := decl.People + decl.Animals
	found := fmt.Sprintf("%s (%d human-like, %d animal-like)", plural(total, "signature"), humans, animals)
	said := fmt.Sprintf("%s and %s declared", plural(decl.People, "person"), plural(decl.Animals, "animal"))
	switch {
	case humans > decl.People:
		return HiddenOccupant, fmt.Sprintf("%s, %s: more human-like signatures than declared people", found, said)
	case total > declared:
		return HiddenOccupant, fmt.Sprintf("%s, %s: more living beings than declared", found, said)
	case total+len(unexplained) > declared:
		bins := ""
		for i, u := range unexplained {
			if i > 0 {
				bins += ", "
			}
			bins += fmt.Sprintf("bin %d", u.RangeBin)
		}
		return Inconclusive, fmt.Sprintf("%s, %s, and %s reported throughout without measurable breathing or heartbeat (%s): search the vehicle or rescan",
			found, said, plural(len(unexplained), "target"), bins)
	case total+len(unexplained) < declared:
		return Clear, fmt.Sprintf("%s, %s: %d declared not seen by the radar, check they are in its view",
			found, said, declared-total-len(unexplained))
	case len(unexplained) > 0:
		return Clear, fmt.Sprintf("%s, %s: all explained (%s without measurable vital signs)",
			found, said, plural(len(unexplained), "target"))
	}
	return Clear, fmt.Sprintf("%s, %s: all explained", found, said)
}

func plural(n int, word string) string {
	switch {
	case n == 1:
		return "1 " + word
	case word == "person":
		return fmt.Sprintf("%d people", n)
	}
	return fmt.Sprintf("%d %ss", n, word)
}
