/**
 * A route's hooks of one kind with `hook` added last. Fastify takes a single
 * hook or an array in route options; hooks bound when a route is added
 * (onRoute) cost nothing on the routes that do not need them.
 */
export function withHook<H>(hooks: H | H[] | undefined, hook: H): H[] {
  if (hooks === undefined) return [hook];
  return [...(Array.isArray(hooks) ? hooks : [hooks]), hook];
}
