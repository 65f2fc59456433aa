// Builds each request's GraphQL context: who is calling, how the rollout treats the request
// (the policy of src/rollout/policy.ts), fresh loaders and a fresh rollout runner.
import { randomUUID } from 'node:crypto';
import { isOperator } from '../auth/access.js';
import type { TokenAuthenticator } from '../auth/tokens.js';
import type { Db } from '../db/client.js';
import type { Logger } from '../ops/logger.js';
import { createLoaders } from '../repositories/loaders.js';
import type { ViolationRepository } from '../repositories/violation-repository.js';
import { rolloutRequestInfo } from '../rollout/policy.js';
import { RequestRollout, type RolloutRunnerOptions } from '../rollout/runner.js';
import type { GraphQLContext, RolloutAdmin, Services } from './context.js';

export interface ContextDeps {
  db: Db;
  logger: Logger;
  clock: () => Date;
  production: boolean;
  authenticator: TokenAuthenticator;
  runner: RolloutRunnerOptions;
  rolloutAdmin: RolloutAdmin;
  services: Services;
  violationReader: ViolationRepository;
}

export function createContextFactory(deps: ContextDeps) {
  return (request: Request, serverContext: Record<string, unknown>): GraphQLContext => {
    const requestId = (serverContext.requestId as string | undefined) ?? randomUUID();
    const logger = deps.logger.child({ requestId });
    const subject = deps.authenticator.subjectOf(request.headers.get('authorization'));
    const info = rolloutRequestInfo({
      rolloutKey: request.headers.get('x-rollout-key'),
      forceHeader: request.headers.get('x-rollout-force'),
      principalName: subject.principal?.name,
      clientAddress: serverContext.clientAddress as string | undefined,
      operator: isOperator(subject),
      production: deps.production,
    });
    return {
      requestId,
      principal: subject.principal,
      auth: subject.auth,
      idempotencyKey: request.headers.get('idempotency-key') ?? undefined,
      logger,
      now: deps.clock(),
      loaders: createLoaders(deps.db),
      rollout: new RequestRollout(deps.runner, info, logger, request.signal),
      rolloutAdmin: deps.rolloutAdmin,
      services: deps.services,
      violationReader: deps.violationReader,
    };
  };
}
