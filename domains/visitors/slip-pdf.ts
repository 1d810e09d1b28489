import { existsSync, readFileSync } from 'node:fs';
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import { unavailable } from '../../core/errors.js';
import type { Slip } from './pass-slip.js';
import { SLIP_WORDS, type SlipLang, slipTime } from './slip-text.js';

/** Debian's fonts-wqy-microhei: one font for Chinese and Latin text, embedded (subset) in every slip. */
export const SLIP_FONT = '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc';
const FONT_FAMILY = 'WenQuanYiMicroHei';

/** The font file (5 MB), read once rather than for every slip; fontkit still parses it per document. */
let fontData: Buffer | undefined;
function slipFont(): Buffer {
  if (!fontData) {
    if (!existsSync(SLIP_FONT))
      throw unavailable(`the slip's font ${SLIP_FONT} is missing: install fonts-wqy-microhei`);
    fontData = readFileSync(SLIP_FONT);
  }
  return fontData;
}

/** A6 portrait, in PDF points (1/72 in): a reception printer's label or a quarter of an A4 sheet. */
export const SLIP_PAGE = { width: 297.64, height: 419.53 } as const;
const MARGIN = 20;
/** Where the QR is drawn (points from the top left), so a test can read its modules back from a rendering. */
export const SLIP_QR_BOX = { x: (SLIP_PAGE.width - 140) / 2, y: 66, size: 140 } as const;

/** The QR's modules for a payload: the same call draws the slip's QR and the dashboard's SVG. */
export function qrModules(payload: string): { size: number; dark: (row: number, col: number) => boolean } {
  const { modules } = QRCode.create(payload, { errorCorrectionLevel: 'M' });
  return { size: modules.size, dark: (r, c) => modules.get(r, c) === 1 };
}

/** The slip as a one-page PDF: the QR drawn as vector squares (sharp on any printer), text in the site's zone. */
export function slipPdf(slip: Slip, lang: SlipLang): Promise<Buffer> {
  const font = slipFont();
  const w = SLIP_WORDS[lang];
  const doc = new PDFDocument({
    size: [SLIP_PAGE.width, SLIP_PAGE.height],
    margin: MARGIN,
    info: { Title: `${w.title} ${slip.passId}`, Producer: 'facility hub', Creator: 'facility hub' },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.registerFont('slip', font, FONT_FAMILY);
  doc.font('slip');
  const width = SLIP_PAGE.width - 2 * MARGIN;

  doc.fillColor('#555').fontSize(8.5).text(slip.siteName, MARGIN, MARGIN, { width, align: 'center' });
  doc
    .fillColor('#000')
    .fontSize(15)
    .text(w.title, MARGIN, MARGIN + 14, { width, align: 'center' });

  const qr = qrModules(slip.qr);
  const { x, y, size } = SLIP_QR_BOX;
  const cell = size / qr.size;
  for (let r = 0; r < qr.size; r++)
    for (let c = 0; c < qr.size; c++) if (qr.dark(r, c)) doc.rect(x + c * cell, y + r * cell, cell, cell);
  doc.fill('#000');
  doc.fontSize(10).text(w.passNo(slip.passId), MARGIN, y + size + 6, { width, align: 'center' });

  const time = (ms: number) => slipTime(ms, lang, slip.timeZone);
  const rows: [string, string][] = [
    [w.visitor, slip.visitorName],
    ...(slip.company ? [[w.company, slip.company] as [string, string]] : []),
    [w.host, slip.hostName],
    [w.validity, `${time(slip.validFrom)} – ${time(slip.validUntil)}`],
    ...(slip.opensAt < slip.validFrom ? [['', w.opensAt(time(slip.opensAt))] as [string, string]] : []),
    [w.entries, slip.maxEntries === 0 ? w.anyEntries : w.entriesOf(slip.entriesUsed, slip.maxEntries)],
    [w.gates, slip.gates ? slip.gates.map((g) => g.name).join(', ') : w.allGates],
    [w.issued, time(slip.issuedAt)],
  ];
  const labelW = lang === 'zh-CN' ? 52 : 58;
  let rowY = y + size + 26;
  doc.fontSize(9);
  for (const [label, value] of rows) {
    doc.fillColor('#555').text(label, MARGIN, rowY, { width: labelW });
    doc.fillColor('#000').text(value, MARGIN + labelW, rowY, { width: width - labelW });
    rowY = Math.max(doc.y, rowY + 12) + 3;
  }
  doc
    .moveTo(MARGIN, rowY + 2)
    .lineTo(SLIP_PAGE.width - MARGIN, rowY + 2)
    .lineWidth(0.5)
    .strokeColor('#999')
    .stroke();
  doc
    .fillColor('#555')
    .fontSize(7.5)
    .text(w.note, MARGIN, rowY + 7, { width });
  doc.end();
  return done;
}
