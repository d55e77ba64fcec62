// Ceiling for session checks: the bare Fastify route. It is sent the same
// shape of request (a Bearer header it ignores) so only the auth work differs.
import { randomBytes } from "node:crypto";
import { startPeer, type Target } from "./common.ts";

export const fastifyBare: Target = {
  id: "fastify-bare",
  label: "bare Fastify route",
  role: "ceiling",
  async start(ctx) {
    const peer = await startPeer(ctx, "fastify-bare", "fastify-bare.ts", {});
    return {
      ...peer,
      notes: ["returns `{}`, no auth"],
      sessionCheck: { status: 200, bodyMarker: "{}" },
      sessionRequests: (count) => ({
        bearer: Array.from({ length: count }, () => ({
          method: "GET",
          path: "/session",
          headers: { authorization: `Bearer ${randomBytes(32).toString("base64url")}` },
        })),
      }),
    };
  },
};
