import { Router, type Request } from 'express';
import { monthSummary, statementCsv, statementOf } from '../../stores/ledger';
import type { Db } from '../../db/knex';
import { estimateAccuracy, utilisation } from '../../stores/reports';
import { canSeeClient } from '../../stores/client-visibility';
import { actorOf, requireRole } from '../auth';
import { badRequest, forbidden, notFound } from '../errors';
import { monthParam, reportQuery, uuidParam } from '../schemas';

export function billingRouter({ db }: { db: Db }): Router {
  const router = Router();

  /** A client reads only their own organisation's months (another's is 404); staff read every client's. */
  async function clientAndPeriod(req: Request): Promise<{ clientId: string; period: string }> {
    const actor = actorOf(req);
    const id = uuidParam.safeParse(req.params.id);
    const month = monthParam.safeParse(req.params.month);
    if (!id.success) throw badRequest('not a client id');
    if (!month.success) throw badRequest(`not a month: ${month.error.issues[0]?.message ?? 'malformed'}`);
    if (actor.role === 'specialist' || actor.role === 'admin') throw forbidden('statements are for clients, managers and the head');
    if (!(await canSeeClient(db, actor, id.data))) throw notFound('no such client');
    return { clientId: id.data, period: `${month.data}-01` };
  }

  router.get('/clients/:id/months/:month', async (req, res) => {
    const { clientId, period } = await clientAndPeriod(req);
    res.json(await monthSummary(db, clientId, period));
  });

  /** R24: the month's statement, JSON or CSV (`?format=csv` or `Accept: text/csv`). */
  router.get('/clients/:id/statements/:month', async (req, res) => {
    const { clientId, period } = await clientAndPeriod(req);
    const statement = await statementOf(db, clientId, period, actorOf(req).role === 'client' ? 'client' : 'staff');
    const csv = req.query.format === 'csv' || (req.query.format === undefined && req.accepts(['application/json', 'text/csv']) === 'text/csv');
    if (csv) {
      res
        .type('text/csv')
        .set('Content-Disposition', `attachment; filename="statement-${req.params.month}.csv"`)
        .send(statementCsv(statement));
      return;
    }
    res.json(statement);
  });

  /** Actual against estimate per specialist and kind of work, and the buffer it suggests next time. */
  router.get('/reports/estimate-accuracy', requireRole('manager', 'head'), async (req, res) => {
    res.json(await estimateAccuracy(db, reportQuery.parse(req.query).month));
  });

  /** Logged hours against capacity per specialist in a month (UTC). */
  router.get('/reports/utilisation', requireRole('manager', 'head'), async (req, res) => {
    res.json(await utilisation(db, reportQuery.parse(req.query).month));
  });

  return router;
}
