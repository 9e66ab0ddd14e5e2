// The mail channel's rules without I/O: which mail a machine wrote, which request a reply names,
// what a subject may carry, what a reply's new text is, and when a digest is due.
import { describe, expect, it } from 'vitest';
import { cleanBody, cleanSubject, composeDigest, composeNotice, keyInSubject, localHourAndDay, machineWritten, messageIdsIn, modeFor, replyText, requestOfReferences, senderAuthentication } from '../src/domain/mail';

describe('machineWritten', () => {
  const person = { from: 'ann@client.test', subject: 'Hello', headers: {} };
  it.each([
    [{ 'auto-submitted': 'auto-replied' }, 'auto-reply (Auto-Submitted: auto-replied)'],
    [{ 'auto-submitted': 'auto-generated' }, 'auto-reply (Auto-Submitted: auto-generated)'],
    [{ precedence: 'bulk' }, 'bulk mail (Precedence: bulk)'],
    [{ precedence: 'list' }, 'bulk mail (Precedence: list)'],
    [{ 'x-autoreply': 'yes' }, 'auto-reply (X-Autoreply)'],
    [{ 'x-retainer-desk': 'desk.test' }, 'loop (a mail of ours came back)'],
    [{ 'content-type': 'multipart/report; report-type=delivery-status; boundary=x' }, 'bounce (delivery report)'],
    [{ 'return-path': '<>' }, 'bounce (empty Return-Path)'],
  ])('%j → %s', (headers, reason) => {
    expect(machineWritten({ ...person, headers }, ['support@desk.test'])).toBe(reason);
  });
  it('a person: Auto-Submitted "no", an ordinary Precedence, no marks at all', () => {
    expect(machineWritten({ ...person, headers: { 'auto-submitted': 'no' } }, [])).toBeUndefined();
    expect(machineWritten({ ...person, headers: { precedence: 'normal' } }, [])).toBeUndefined();
    expect(machineWritten(person, ['support@desk.test'])).toBeUndefined();
  });
  it('mailer daemons and our own address', () => {
    expect(machineWritten({ ...person, from: 'MAILER-DAEMON@mx.test' }, [])).toBe('bounce (from mailer-daemon@mx.test)');
    expect(machineWritten({ ...person, from: 'support@desk.test' }, ['Support@Desk.test'])).toBe('loop (from our own address)');
  });
});

describe('sender authentication (Authentication-Results)', () => {
  it.each([
    [['mx.desk.test; spf=pass smtp.mailfrom=client.test; dkim=pass header.d=client.test; dmarc=pass'], undefined, 'pass'],
    [['mx.desk.test; dmarc=fail (p=reject) header.from=client.test'], undefined, 'fail'],
    [['mx.desk.test; spf=fail smtp.mailfrom=client.test'], undefined, 'fail'],
    [['mx.desk.test; spf=softfail smtp.mailfrom=client.test; dkim=pass header.d=client.test'], undefined, 'pass'],
    [['mx.desk.test; spf=none; dkim=none'], undefined, 'none'],
    [[], undefined, 'none'],
    // A header the sender wrote, under another server's name, is not believed.
    [['evil.test; dmarc=pass'], 'mx.desk.test', 'none'],
    [['evil.test; dmarc=pass', 'mx.desk.test; dmarc=fail'], 'mx.desk.test', 'fail'],
    [['MX.Desk.test; dkim=pass'], 'mx.desk.test', 'pass'],
  ])('%j (trusting %s) → %s', (results, authserv, verdict) => {
    expect(senderAuthentication(results, authserv).verdict).toBe(verdict);
  });
});

describe('subjects and replies', () => {
  it.each([
    ['Re: [ACME-42] Invoices page is blank', 'Invoices page is blank', undefined],
    ['Fwd: RE: Aw: Отв: printer', 'printer', undefined],
    ['  many   spaces  ', 'many spaces', undefined],
    ['Line\r\nBcc: evil@x.test', 'Line Bcc: evil@x.test', 'line breaks removed from the subject'],
    ['tab\there', 'tab here', undefined],
    ['', '(no subject)', undefined],
    ['x'.repeat(250), `${'x'.repeat(199)}…`, 'subject cut to 200 characters'],
  ])('%j → %j', (raw, title, trimmed) => {
    expect(cleanSubject(raw)).toEqual(trimmed ? { title, trimmed } : { title });
  });
  it('a request key in brackets, and only there', () => {
    expect(keyInSubject('Re: [ACME-42] hello')).toBe('ACME-42');
    expect(keyInSubject('ACME-42 without brackets')).toBeUndefined();
    expect(keyInSubject('[acme-42] lower case')).toBeUndefined();
  });
  it('our thread id names the request; another domain or a stranger id does not', () => {
    const id = '3f2c1b0a-1111-4222-8333-444455556666';
    expect(requestOfReferences(messageIdsIn(`<a@b.test> <request-${id}@desk.test>`), 'desk.test')).toBe(id);
    expect(requestOfReferences([`<request-${id}@evil.test>`], 'desk.test')).toBeUndefined();
    expect(requestOfReferences(['<request-nope@desk.test>'], 'desk.test')).toBeUndefined();
  });
  it('a reply keeps what was written above the quote', () => {
    expect(replyText('Yes, go ahead.\n\nOn Mon, 30 Nov 2026 at 10:00, Support <s@d.test> wrote:\n> the estimate')).toBe('Yes, go ahead.');
    expect(replyText('Да, делайте.\n\n30 нояб. 2026 г., в 10:00, Support <s@d.test> написал:\n> оценка')).toBe('Да, делайте.');
    expect(replyText('> only a quote')).toBe('> only a quote');
    expect(replyText('Thanks\n-----Original Message-----\nFrom: x')).toBe('Thanks');
  });
  it('a body is storable and bounded', () => {
    expect(cleanBody('a\u0000b\r\nc', 100)).toEqual({ body: 'ab\nc' });
    expect(cleanBody('   ', 100)).toEqual({ body: '(no text)' });
    expect(cleanBody('x'.repeat(20), 10)).toEqual({ body: `${'x'.repeat(9)}…`, trimmed: 'text cut to 10 characters' });
  });
});

describe('composed mail', () => {
  const n = { kind: 'estimate.ready', text: 'ACME-7 · Export <b>now</b>: the estimate is ready: 4.5 h', key: 'ACME-7', title: 'Export <b>now</b>', link: 'https://desk.test/app/r/ACME-7' };
  it('the subject has the key once; the HTML escapes what people wrote', () => {
    const m = composeNotice(n, 'en', true);
    expect(m.subject).toBe('[ACME-7] Export <b>now</b>: the estimate is ready: 4.5 h');
    expect(m.html).toContain('Export &lt;b&gt;now&lt;/b&gt;');
    expect(m.html).not.toContain('<b>now</b>');
    expect(m.text).toContain('Open the request: https://desk.test/app/r/ACME-7');
    expect(m.text).toContain('Reply to this mail');
  });
  it('in Russian', () => {
    const m = composeNotice(n, 'ru', false);
    expect(m.subject).toBe('[ACME-7] Export <b>now</b>: оценка готова: 4.5 ч');
    expect(m.text).toContain('Открыть заявку');
    expect(m.text).not.toContain('Ответьте на это письмо');
  });
  it('a digest lists every notice with its link', () => {
    const d = composeDigest([n, { ...n, key: 'ACME-8', title: 'Other', text: 'ACME-8 · Other: ready for internal review', link: null }], 'ru');
    expect(d.subject).toBe('Уведомлений из службы поддержки: 2');
    expect(d.text).toContain('[ACME-7] Export <b>now</b>: оценка готова: 4.5 ч\n  https://desk.test/app/r/ACME-7');
    expect(d.text).toContain('[ACME-8] Other: готово к внутренней проверке');
  });
});

describe('digest hour', () => {
  it.each([
    ['2026-12-01T04:00:00Z', 'Asia/Almaty', 9, '2026-12-01'],
    ['2026-12-01T23:30:00Z', 'Asia/Almaty', 4, '2026-12-02'],
    ['2026-03-29T07:00:00Z', 'Europe/Berlin', 9, '2026-03-29'],
    ['2026-10-25T08:00:00Z', 'Europe/Berlin', 9, '2026-10-25'],
    ['2026-12-01T09:00:00Z', 'Not/A_Zone', 9, '2026-12-01'],
  ])('%s in %s is %i o\'clock on %s', (at, zone, hour, day) => {
    expect(localHourAndDay(new Date(at), zone)).toEqual({ hour, day });
  });
  it('a kind named wins over *, * over the default', () => {
    const prefs = new Map([['*', 'digest' as const], ['estimate.ready', 'none' as const]]);
    expect(modeFor(prefs, 'estimate.ready')).toBe('none');
    expect(modeFor(prefs, 'task.assigned')).toBe('digest');
    expect(modeFor(new Map(), 'task.assigned')).toBe('instant');
  });
});
