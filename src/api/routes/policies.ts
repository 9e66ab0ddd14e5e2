// Subscription policies (#16): administrators write them, staff read them. Every change is a new
// version (who, when, why); a subscription points at a policy; a running request keeps the
// version it was filed under until its manager moves it (POST /requests/:id/policy).
import { Router, type Request } from 'express';
import { z } from 'zod';
import type { Db } from '../../db/knex';
import type { Policy } from '../../domain';
import { recordAdminChange } from '../../stores/admin-audit';
import { clientExists } from '../../stores/clients';
import { addPolicyVersion, createPolicy, listPolicies, notifyPolicyVersion, policyDetail, policyExists, policyVersionOf, setSubscriptionPolicy } from '../../stores/policies';
import { actorOf, requireRole } from '../auth';
import { HttpError, badRequest, conflict, notFound, unprocessable } from '../errors';
import { createPolicyBody, subscriptionPolicyBody, updatePolicyBody, uuidFrom } from '../schemas';

const versionParam = z.string().regex(/^[1-9]\d{0,6}$/, 'a version number such as 3');

/** `If-Match: "3"` (or `3`, or `W/"3"`): the version the edit was made on. */
function expectedVersion(req: Request): number | undefined {
  const raw = req.get('If-Match');
  if (raw === undefined) return undefined;
  const m = /^(?:W\/)?"?([1-9]\d{0,6})"?$/.exec(raw.trim());
  if (!m) throw badRequest('If-Match names the version the change was made on, such as "3"');
  return Number(m[1]);
}

/** The policy's own fields, without the name and the note that travel with them. */
function policyOf(b: z.infer<typeof updatePolicyBody> & { name?: string }): Policy {
  const { note: _note, name: _name, ...policy } = b;
  return policy;
}

export function policiesRouter({ db }: { db: Db }): Router {
  const router = Router();
  const admin = requireRole('admin');
  const readers = requireRole('admin', 'head', 'manager');

  const policyParam = async (raw: unknown): Promise<string> => {
    const id = uuidFrom(raw, 'policy');
    if (!(await policyExists(db, id))) throw notFound('no such policy');
    return id;
  };

  router.get('/admin/policies', readers, async (_req, res) => {
    res.json({ items: await listPolicies(db) });
  });

  router.post('/admin/policies', admin, async (req, res) => {
    const b = createPolicyBody.parse(req.body);
    const actor = actorOf(req);
    const made = await createPolicy(db, { name: b.name, policy: policyOf(b), by: actor.id, note: b.note });
    if (!made) throw conflict(`a policy named "${b.name}" exists`);
    await recordAdminChange(db, actor, 'policy.create', made.id, { name: b.name, version: 1 }, b.note);
    res.status(201).set('ETag', `"1"`).json(await policyDetail(db, made.id));
  });

  router.get('/admin/policies/:id', readers, async (req, res) => {
    const detail = await policyDetail(db, await policyParam(req.params.id));
    res.set('ETag', `"${detail!.version}"`).json(detail);
  });

  router.get('/admin/policies/:id/versions/:version', readers, async (req, res) => {
    const id = await policyParam(req.params.id);
    const v = versionParam.safeParse(req.params.version);
    if (!v.success) throw badRequest('not a version number');
    const found = await policyVersionOf(db, id, Number(v.data));
    if (!found) throw notFound(`no version ${v.data} of this policy`);
    res.json({ ...found.ref, policy: found.policy, createdAt: found.createdAt, createdBy: found.createdBy, note: found.note });
  });

  /** A new version: the whole policy, with why. With If-Match, refused (412) when someone changed it meanwhile. */
  router.post('/admin/policies/:id/versions', admin, async (req, res) => {
    const b = updatePolicyBody.parse(req.body);
    const id = await policyParam(req.params.id);
    const expected = expectedVersion(req);
    const actor = actorOf(req);
    const made = await addPolicyVersion(db, id, { policy: policyOf(b), by: actor.id, note: b.note, expected });
    if (!made) throw notFound('no such policy');
    if ('stale' in made) throw new HttpError(412, 'Precondition Failed', `the policy is at version ${made.stale} now, not ${expected}: read it again and make the change on it`, { current: made.stale });
    await recordAdminChange(db, actor, 'policy.version', id, { version: made.version }, b.note);
    const head = await policyVersionOf(db, id, made.version);
    await notifyPolicyVersion(db, head!.ref);
    res.status(201).set('ETag', `"${made.version}"`).json(await policyDetail(db, id));
  });

  /** Points a subscription at a policy (null: the company default). Running requests keep theirs. */
  router.put('/admin/clients/:id/subscriptions/:subscriptionId/policy', admin, async (req, res) => {
    const clientId = uuidFrom(req.params.id, 'client');
    if (!(await clientExists(db, clientId))) throw notFound('no such client');
    const subscriptionId = uuidFrom(req.params.subscriptionId, 'subscription');
    const b = subscriptionPolicyBody.parse(req.body);
    if (b.policyId && !(await policyExists(db, b.policyId))) throw unprocessable(`no policy ${b.policyId}`);
    if (!(await setSubscriptionPolicy(db, clientId, subscriptionId, b.policyId))) throw notFound('no such subscription of this client');
    await recordAdminChange(db, actorOf(req), 'subscription.policy', subscriptionId, { clientId, policyId: b.policyId });
    res.json({ clientId, subscriptionId, policyId: b.policyId });
  });

  return router;
}
