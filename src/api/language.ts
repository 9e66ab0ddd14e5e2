// The language an answer is written in: the one the person chose (PATCH /me/preferences), else
// their browser's (Accept-Language), else English; the answer says which, and that it varies.
import type { Request, Response } from 'express';
import type { Db } from '../db/knex';
import { languageOf, type Language } from '../stores/preferences';
import { actorOf } from './auth';

export async function answerLanguage(db: Db, req: Request, res: Response): Promise<Language> {
  const language = (await languageOf(db, actorOf(req))) ?? ((req.acceptsLanguages('en', 'ru') || 'en') as Language);
  res.set('Content-Language', language).set('Vary', 'Accept-Language');
  return language;
}
