// The printable admission record (Mandela Rule 7): identity, the order that committed the
// person, arrest, admission, the property inventory with its sign-off, and the information
// on rights given — in Spanish or English, by the reader's language. PDFKit's built-in
// Helvetica covers Latin-1, so Spanish accents print without embedding a font.
import PDFDocument from 'pdfkit';
import { formatDate, formatDateTime, translator, type Language } from '../../platform/i18n/i18n.ts';
import type { AdmissionRecordData } from './service.ts';

export async function admissionRecordPdf(data: AdmissionRecordData, lang: Language, timeZone: string): Promise<Buffer> {
  const t = translator(lang);
  const k = (key: string, params?: Record<string, unknown>) => t(`persons.pdf.${key}`, params);
  const dt = (d: Date | string | null | undefined) => (d ? formatDateTime(lang, d, timeZone) : '—');
  const date = (d: string | null | undefined) => (d ? formatDate(lang, d) : '—');
  const p = data.person;
  const e = data.episode;

  const doc = new PDFDocument({
    size: 'A4',
    margin: 50,
    info: { Title: `${k('title')} ${p.prisonerNumber}`, Author: 'Custodia', Subject: p.fullName },
    lang: lang === 'es' ? 'es-PA' : 'en',
  });
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
    const cols = [
      { label: k('item'), w: 0.38 },
      { label: k('quantity'), w: 0.1 },
      { label: k('condition'), w: 0.17 },
      { label: k('storedAt'), w: 0.17 },
      { label: k('signedOff'), w: 0.18 },
    ];
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
    for (const i of data.property) {
      line([i.description, String(i.quantity), i.condition ?? '—', i.storageLocation ?? '—', i.signedOffAt ? `${i.signedOffBy ?? '—'}, ${dt(i.signedOffAt)}` : k('notSignedOff')], false);
    }
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
