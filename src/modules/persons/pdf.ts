// The printable admission record (Mandela Rule 7): identity, the order that committed the
// person, arrest, admission, the property inventory with its sign-off, and the information
// on rights given — and the official copy of the file given on release (Mandela Rule 9):
// identity, every custody episode, legal status, movements, placements and property, without
// clinical or children's details — in Spanish or English, by the reader's language. PDFKit's built-in
// Helvetica covers Latin-1, so Spanish accents print without embedding a font.
import PDFDocument from 'pdfkit';
import { formatDate, formatDateTime, translator, type Language } from '../../platform/i18n/i18n.ts';
import type { AdmissionRecordData, FileCopyData } from './service.ts';

/** An A4 document with the shared look: section headings, label/value rows and simple tables. */
function pdfWriter(title: string, subject: string, lang: Language) {
  const doc = new PDFDocument({ size: 'A4', margin: 50, info: { Title: title, Author: 'Custodia', Subject: subject }, lang: lang === 'es' ? 'es-PA' : 'en' });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const width = doc.page.width - 100;
  const heading = (text: string) => {
    if (doc.y > doc.page.height - 120) doc.addPage();
    doc.moveDown(0.8).font('Helvetica-Bold').fontSize(12).fillColor('#0b3d5c').text(text).fillColor('black');
    doc.moveTo(50, doc.y + 2).lineTo(50 + width, doc.y + 2).strokeColor('#b1b4b6').stroke();
    doc.moveDown(0.4);
  };
  const row = (label: string, value: string | null | undefined) => {
    doc.font('Helvetica-Bold').fontSize(9.5).text(`${label}: `, { continued: true }).font('Helvetica').text(value && value !== '' ? value : '—');
  };
  /** A table: a bold header line, then one line per row; columns as fractions of the width. */
  const table = (cols: { label: string; w: number }[], rows: string[][]) => {
    const line = (values: string[], bold: boolean) => {
      if (doc.y > doc.page.height - 90) doc.addPage();
      const y = doc.y;
      let x = 50;
      let bottom = y;
      doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(9);
      values.forEach((v, i) => {
        const w = cols[i]!.w * width;
        doc.text(v, x, y, { width: w - 6 });
        bottom = Math.max(bottom, doc.y);
        x += w;
      });
      doc.x = 50;
      doc.y = bottom + 3;
    };
    line(cols.map((c) => c.label), true);
    for (const r of rows) line(r, false);
  };
  return { doc, done, width, heading, row, table };
}

export async function admissionRecordPdf(data: AdmissionRecordData, lang: Language, timeZone: string): Promise<Buffer> {
  const t = translator(lang);
  const k = (key: string, params?: Record<string, unknown>) => t(`persons.pdf.${key}`, params);
  const dt = (d: Date | string | null | undefined) => (d ? formatDateTime(lang, d, timeZone) : '—');
  const date = (d: string | null | undefined) => (d ? formatDate(lang, d) : '—');
  const p = data.person;
  const e = data.episode;

  const { doc, done, width, heading, row, table } = pdfWriter(`${k('title')} ${p.prisonerNumber}`, p.fullName, lang);

  // Header
  doc.font('Helvetica-Bold').fontSize(18).text(k('title'));
  doc.font('Helvetica').fontSize(10).text(`${e.facilityName} (${e.facilityCode})`);
  doc.text(k('printed', { when: dt(new Date()), who: data.printedBy }));
  const top = 50;
  if (data.photo) {
    try {
      doc.image(data.photo.data, 50 + width - 90, top, { fit: [90, 110] });
    } catch {
      /* an unreadable image leaves the photo box empty */
    }
  }
  doc.moveDown(0.5).font('Helvetica-Bold').fontSize(14).text(`${p.prisonerNumber} — ${p.fullName}`, 50, Math.max(doc.y, top + 70), { width: width - 100 });

  heading(k('identity'));
  row(k('givenNames'), p.givenNames);
  row(k('surnames'), [p.firstSurname, p.secondSurname].filter(Boolean).join(' '));
  if (p.marriedSurname) row(k('marriedSurname'), p.marriedSurname);
  row(k('sex'), t(`persons.sex.${p.sex}`));
  row(k('genderIdentity'), p.genderIdentity);
  row(k('dateOfBirth'), p.dateOfBirth ? `${date(p.dateOfBirth)}${p.birthDateEstimated ? ` (${k('estimated')})` : ''}` : null);
  row(k('nationality'), p.nationality);
  row(k('documents'), p.documents.filter((d) => !d.endedAt).map((d) => `${t(`persons.documentKind.${d.kind}`)} ${d.number}`).join('; '));
  row(k('aliases'), p.aliases.filter((a) => !a.endedAt).map((a) => a.alias).join('; '));
  row(k('languages'), p.languages.join(', '));
  row(k('literacy'), p.literacy ? t(`persons.literacy.${p.literacy}`) : null);
  row(k('disabilities'), p.disabilities);
  row(k('distinguishingMarks'), p.distinguishingMarks);

  heading(k('order'));
  if (data.order) {
    const o = data.order;
    row(k('orderKind'), t(`persons.orderKind.${o.kind}`));
    row(k('authority'), `${o.issuingAuthority} (${t(`persons.authorityKind.${o.authorityKind}`)})`);
    row(k('caseNumber'), o.caseNumber);
    row(k('orderDate'), date(o.orderDate));
    row(k('orderStatus'), t(`persons.orderStatus.${o.status}`));
    row(k('registeredBy'), o.registeredBy);
    row(k('verified'), o.verifiedAt ? k('verifiedValue', { when: dt(o.verifiedAt), who: o.verifiedBy ?? '—', how: o.verificationMethod ?? '—' }) : k('notVerified'));
  } else doc.font('Helvetica').fontSize(9.5).text('—');
  if (data.legalStatus) row(k('legalStatus'), t(`persons.legalStatus.${data.legalStatus}`));

  heading(k('arrest'));
  row(k('arrestedAt'), dt(e.arrestedAt));
  row(k('arrestPlace'), e.arrestPlace);

  heading(k('admission'));
  row(k('admittedAt'), dt(e.admittedAt));
  row(k('facility'), `${e.facilityName} (${e.facilityCode})`);
  row(k('admittedBy'), e.admittedBy);
  row(k('injuries'), e.visibleInjuries ?? k('none'));
  row(k('complaint'), e.illTreatmentComplaint ?? k('none'));
  const emergency = p.contacts.filter((c) => !c.endedAt && (c.isEmergency || c.isNextOfKin));
  row(k('emergencyContacts'), emergency.map((c) => `${c.name} (${c.relationship})${c.phone ? ` ${c.phone}` : ''}`).join('; '));

  heading(k('property'));
  if (data.property.length) {
    table(
      [
        { label: k('item'), w: 0.38 },
        { label: k('quantity'), w: 0.1 },
        { label: k('condition'), w: 0.17 },
        { label: k('storedAt'), w: 0.17 },
        { label: k('signedOff'), w: 0.18 },
      ],
      data.property.map((i) => [i.description, String(i.quantity), i.condition ?? '—', i.storageLocation ?? '—', i.signedOffAt ? `${i.signedOffBy ?? '—'}, ${dt(i.signedOffAt)}` : k('notSignedOff')]),
    );
  } else doc.font('Helvetica').fontSize(9.5).text(k('noProperty'));
  doc.moveDown(0.6).font('Helvetica').fontSize(9.5).text(k('propertyStatement'), 50, doc.y, { width });

  heading(k('rights'));
  doc.font('Helvetica').fontSize(9.5).text(k('rightsText'), { width });
  doc.moveDown(0.3);
  row(k('rightsGiven'), e.rightsInformationGivenAt ? k('rightsGivenValue', { when: dt(e.rightsInformationGivenAt), language: e.rightsInformationLanguage ?? '—' }) : k('rightsNotRecorded'));

  // Signatures
  if (doc.y > doc.page.height - 150) doc.addPage();
  doc.moveDown(3);
  const y = doc.y;
  const half = width / 2 - 20;
  doc.moveTo(50, y).lineTo(50 + half, y).strokeColor('black').stroke();
  doc.moveTo(50 + width - half, y).lineTo(50 + width, y).stroke();
  doc.font('Helvetica').fontSize(9).text(k('signatureOfficer'), 50, y + 4, { width: half });
  doc.text(k('signaturePerson'), 50 + width - half, y + 4, { width: half });
  doc.x = 50;
  doc.moveDown(2).fontSize(8).fillColor('#505a5f').text(k('confidential'), 50, doc.y, { width });

  doc.end();
  return done;
}

/** The official copy of the file (Mandela Rule 9), as printed on release. */
export async function fileCopyPdf(data: FileCopyData, lang: Language, timeZone: string): Promise<Buffer> {
  const t = translator(lang);
  const k = (key: string, params?: Record<string, unknown>) => t(`persons.pdf.${key}`, params);
  const f = (key: string, params?: Record<string, unknown>) => t(`persons.fileCopy.${key}`, params);
  const dt = (d: Date | string | null | undefined) => (d ? formatDateTime(lang, d, timeZone) : '—');
  const date = (d: string | null | undefined) => (d ? formatDate(lang, d) : '—');
  const centre = (code: string | null, name: string | null) => (code ? (name ? `${name} (${code})` : code) : '—');
  const p = data.person;
  const issuedAt = new Date();
  const issued = f('issued', { when: dt(issuedAt), who: data.issuedBy });

  const { doc, done, width, heading, row, table } = pdfWriter(`${f('title')} ${p.prisonerNumber}`, p.fullName, lang);
  const text = (s: string) => doc.font('Helvetica').fontSize(9.5).text(s, 50, doc.y, { width });

  doc.font('Helvetica-Bold').fontSize(18).text(f('title'));
  doc.font('Helvetica').fontSize(10).text(f('subtitle'));
  doc.moveDown(0.5).font('Helvetica-Bold').fontSize(14).text(`${p.prisonerNumber} — ${p.fullName}`, 50, doc.y, { width });

  heading(k('identity'));
  row(k('givenNames'), p.givenNames);
  row(k('surnames'), [p.firstSurname, p.secondSurname].filter(Boolean).join(' '));
  if (p.marriedSurname) row(k('marriedSurname'), p.marriedSurname);
  row(f('prisonerNumber'), p.prisonerNumber);
  row(k('sex'), t(`persons.sex.${p.sex}`));
  row(k('dateOfBirth'), p.dateOfBirth ? `${date(p.dateOfBirth)}${p.birthDateEstimated ? ` (${k('estimated')})` : ''}` : null);
  row(k('nationality'), p.nationality);
  row(k('documents'), p.documents.map((d) => `${t(`persons.documentKind.${d.kind}`)} ${d.number}${d.endedAt ? ` (${f('ended')})` : ''}`).join('; '));
  row(k('aliases'), p.aliases.map((a) => `${a.alias}${a.endedAt ? ` (${f('ended')})` : ''}`).join('; '));
  row(f('custodyStatus'), t(`persons.custodyStatus.${p.custodyStatus}`));

  const orders = new Map(data.orders.map((o) => [o.id, o]));
  const orderText = (id: string | null) => {
    const o = id ? orders.get(id) : undefined;
    if (!o) return null;
    const verified = o.verifiedAt ? k('verifiedValue', { when: dt(o.verifiedAt), who: o.verifiedBy ?? '—', how: o.verificationMethod ?? '—' }) : k('notVerified');
    return `${t(`persons.orderKind.${o.kind}`)} — ${o.issuingAuthority} (${t(`persons.authorityKind.${o.authorityKind}`)}), ${k('caseNumber')} ${o.caseNumber}, ${date(o.orderDate)}. ${k('verified')}: ${verified}`;
  };

  heading(f('episodes'));
  if (!data.episodes.length) text(f('noEpisodes'));
  [...data.episodes].reverse().forEach((e, n) => {
    if (doc.y > doc.page.height - 140) doc.addPage();
    doc.moveDown(0.3).font('Helvetica-Bold').fontSize(10.5).text(f('episode', { n: n + 1, centre: centre(e.facilityCode, e.facilityName) }), 50, doc.y, { width });
    row(k('arrestedAt'), `${dt(e.arrestedAt)} — ${e.arrestPlace}`);
    row(k('admittedAt'), dt(e.admittedAt));
    row(f('admissionOrder'), orderText(e.admissionOrderId) ?? e.admissionCaseNumber);
    row(f('releasedAt'), e.releasedAt ? dt(e.releasedAt) : f('open'));
    if (e.releasedAt) {
      row(f('releaseReason'), e.releaseReason ? t(`movements.releaseReason.${e.releaseReason}`, { defaultValue: e.releaseReason }) : null);
      row(f('releaseOrder'), orderText(e.releaseOrderId));
    }
  });

  heading(f('legalStatus'));
  if (data.legalStatusPeriods.length) {
    table(
      [
        { label: f('status'), w: 0.3 },
        { label: f('from'), w: 0.22 },
        { label: f('to'), w: 0.22 },
        { label: f('reason'), w: 0.26 },
      ],
      data.legalStatusPeriods.map((l) => [t(`persons.legalStatus.${l.status}`), dt(l.validFrom), l.validTo ? dt(l.validTo) : f('current'), l.reason]),
    );
  } else text(f('none'));

  heading(f('movements'));
  if (data.movements.length) {
    table(
      [
        { label: f('kind'), w: 0.22 },
        { label: f('occurredAt'), w: 0.18 },
        { label: f('fromCentre'), w: 0.2 },
        { label: f('toCentre'), w: 0.2 },
        { label: f('reason'), w: 0.2 },
      ],
      data.movements.map((m) => [t(`persons.movement.${m.kind}`), dt(m.occurredAt), centre(m.fromFacilityCode, m.fromFacilityName), centre(m.toFacilityCode, m.toFacilityName), m.reason ?? '—']),
    );
  } else text(f('none'));

  heading(f('placements'));
  if (data.placements.length) {
    table(
      [
        { label: k('facility'), w: 0.16 },
        { label: f('unit'), w: 0.3 },
        { label: f('cell'), w: 0.14 },
        { label: f('from'), w: 0.2 },
        { label: f('to'), w: 0.2 },
      ],
      data.placements.map((pl) => [pl.facilityCode, `${pl.unitName} (${pl.unitCode})`, pl.cellCode ?? '—', dt(pl.validFrom), pl.validTo ? dt(pl.validTo) : f('current')]),
    );
  } else text(f('none'));

  heading(k('property'));
  if (data.property.length) {
    table(
      [
        { label: k('item'), w: 0.32 },
        { label: k('quantity'), w: 0.08 },
        { label: k('condition'), w: 0.14 },
        { label: k('signedOff'), w: 0.22 },
        { label: f('returned'), w: 0.24 },
      ],
      data.property.map((i) => [i.description, String(i.quantity), i.condition ?? '—', i.signedOffAt ? `${i.signedOffBy ?? '—'}, ${dt(i.signedOffAt)}` : k('notSignedOff'), i.returnedAt ? dt(i.returnedAt) : f('notReturned')]),
    );
  } else text(k('noProperty'));

  heading(f('confidentialTitle'));
  text(f('confidentialRecords'));

  doc.moveDown(2).font('Helvetica-Bold').fontSize(9.5).text(issued, 50, doc.y, { width });
  doc.moveDown(0.5).font('Helvetica').fontSize(8).fillColor('#505a5f').text(k('confidential'), 50, doc.y, { width });

  doc.end();
  return done;
}
