// What admission uses from the modules that own the rest of the prisoner file, in one place:
// persons (identity rules, creating a file, matching, the health declaration), orders (the
// verified-order check and registration), alerts (raising) and legal time (the first
// computation). Only their exported functions
// are used; their tables are written here only where admission itself owns the row (the
// episode, its periods, placement, movement, property) or where the issue gives admission the
// first entry (contacts and children recorded at admission).
export { cedulaProblem, foldText, fullName, normalizeDocumentNumber } from '../persons/identity.ts';
export { documentNumberAsStored, documentProblems, insertPerson, personInputProblems, refreshSearchText, type NewPersonInput } from '../persons/repository.ts';
export { findPossibleMatches } from '../persons/matching.ts';
export { recordHealthDeclaration } from '../persons/service.ts';
export { registerOrder, requireVerifiedOrder } from '../orders/service.ts';
export { raiseAlert } from '../alerts/service.ts';
export { recomputeSentence } from '../legal-time/recompute.ts';
