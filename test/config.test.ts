import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config';

describe('configuration from the environment', () => {
  it('defaults to the embedded stack', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ databaseUrl: undefined, temporalConfigured: false, port: 3000, temporalUiPort: 8233 });
  });

  it.each(['TEMPORAL_ADDRESS', 'TEMPORAL_API_KEY', 'TEMPORAL_PROFILE', 'TEMPORAL_CONFIG_FILE'])(
    'starts no embedded Temporal when %s is set',
    (name) => {
      expect(loadConfig({ [name]: 'x' }).temporalConfigured).toBe(true);
    },
  );

  it('uses DATABASE_URL when set', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://db/x' }).databaseUrl).toBe('postgres://db/x');
  });

  it('refuses a port that is not a port', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
  });

  it('has no mail channel unless a mailbox or a mail server is named', () => {
    expect(loadConfig({}).mail).toBeUndefined();
    expect(loadConfig({ IMAP_HOST: '', SMTP_HOST: '' }).mail).toBeUndefined();
  });

  it('reads the mail channel: TLS by default for IMAP, STARTTLS for SMTP, links on PUBLIC_URL', () => {
    const c = loadConfig({ IMAP_HOST: 'imap.example.com', IMAP_USER: 'support@example.com', IMAP_PASSWORD: 'pw', SMTP_HOST: 'smtp.example.com', MAIL_FROM: 'support@example.com', PUBLIC_URL: 'https://desk.example.com/' });
    expect(c.mail).toEqual({
      from: 'support@example.com',
      publicUrl: 'https://desk.example.com',
      maxMessageBytes: 25 * 1024 * 1024,
      maxFileBytes: 10 * 1024 * 1024,
      requireSenderAuth: false,
      authservId: undefined,
      imap: { host: 'imap.example.com', port: 993, secure: true, user: 'support@example.com', password: 'pw', mailbox: 'INBOX' },
      smtp: { host: 'smtp.example.com', port: 587, secure: false, user: undefined, password: undefined },
    });
    expect(c.mailPollSeconds).toBe(30);
  });

  it('refuses a mail channel it cannot use', () => {
    expect(() => loadConfig({ IMAP_HOST: 'imap.example.com' })).toThrow(/IMAP_USER/);
    expect(() => loadConfig({ SMTP_HOST: 'smtp.example.com', SMTP_TLS: 'maybe' })).toThrow(/SMTP_TLS/);
    expect(() => loadConfig({ SMTP_HOST: 'smtp.example.com', MAIL_FROM: 'not an address' })).toThrow(/MAIL_FROM/);
  });
});
