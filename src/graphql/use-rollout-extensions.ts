// Yoga/envelop plugin: every GraphQL response reports its rollout decisions in
// `extensions.rollout`, keyed by flag: { path, reason, fallback, percent }. A subscription's
// decision (taken once, when it starts) is reported with each of its events.
import type { Plugin } from 'graphql-yoga';
import type { RolloutReport } from '../rollout/runner.js';
import type { GraphQLContext } from './context.js';

/** The rollout decisions a request's fields made, keyed by flag; undefined when none. */
export function rolloutReports(
  context: Partial<Pick<GraphQLContext, 'rollout'>>,
): Record<string, RolloutReport> | undefined {
  const reports = context.rollout?.reports;
  return reports && reports.size > 0 ? Object.fromEntries(reports) : undefined;
}

export function useRolloutExtensions(): Plugin {
  return {
    onExecute() {
      return {
        onExecuteDone({ args, result, setResult }) {
          if (Symbol.asyncIterator in result) return;
          const rollout = rolloutReports(args.contextValue as Partial<GraphQLContext>);
          if (rollout) setResult({ ...result, extensions: { ...result.extensions, rollout } });
        },
      };
    },
    onSubscribe() {
      return {
        onSubscribeResult({ args }) {
          const context = args.contextValue as Partial<GraphQLContext>;
          return {
            onNext({ result, setResult }) {
              const rollout = rolloutReports(context);
              if (rollout) setResult({ ...result, extensions: { ...result.extensions, rollout } });
            },
          };
        },
      };
    },
  };
}
