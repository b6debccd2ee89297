// Lengths of the free-text fields of orders (the pages and the service check the same limits).
export const limits = { issuingAuthority: 200, caseNumber: 100, subjectName: 200, notes: 2000, verificationNote: 1000, reason: 1000 } as const;
