// Yoga/envelop plugin: every GraphQL response reports its rollout decisions in
// `extensions.rollout`, keyed by flag: { path, reason, fallback, percent }. A subscription's
// decision (taken once, when it starts) is reported with each of its events.
import type { Plugin } from 'graphql-yoga';
import type { GraphQLContext } from './context.js';

export function useRolloutExtensions(): Plugin {
  return {
    onExecute() {
      return {
        onExecuteDone({ args, result, setResult }) {
          const reports = (args.contextValue as unknown as GraphQLContext).rollout?.reports;
          if (!reports || reports.size === 0 || Symbol.asyncIterator in result) return;
          setResult({
            ...result,
            extensions: { ...result.extensions, rollout: Object.fromEntries(reports) },
          });
        },
      };
    },
    onSubscribe() {
      return {
        onSubscribeResult({ args }) {
          const reports = (args.contextValue as unknown as GraphQLContext).rollout?.reports;
          return {
            onNext({ result, setResult }) {
              if (!reports || reports.size === 0) return;
              setResult({
                ...result,
                extensions: { ...result.extensions, rollout: Object.fromEntries(reports) },
              });
            },
          };
        },
      };
    },
  };
}
