// The hand-written opaque-token check (peers/handwritten.ts): sessions are
// minted through its POST /sessions, then checked by Bearer or cookie.
import { mapLimit, send, postJson, expectStatus } from "../lib/http.ts";
import { startPeer, userFor, type Target } from "./common.ts";

export const handwritten: Target = {
  id: "handwritten",
  label: "hand-written SHA-256 + Map check",
  role: "peer",
  async start(ctx) {
    const peer = await startPeer(ctx, "handwritten", "handwritten.ts", {});
    return {
      ...peer,
      notes: ["in-memory Map, no database"],
      async seedUsers(count) {
        return Array.from({ length: count }, (_, i) => ({ email: `hw-${i}@bench.test`, password: "" }));
      },
      async seedSessions(users, count) {
        const issued = await mapLimit(Array.from({ length: count }, (_, i) => i), 32, async (i) => {
          const res = await send(peer.baseUrl, postJson("/sessions", { userId: `u${i % users.length}`, email: userFor(users, i).email }));
          expectStatus(res, 201, "handwritten POST /sessions");
          return JSON.parse(res.body) as { token: string; cookie: string };
        });
        return {
          bearer: issued.map((s) => ({ method: "GET", path: "/session", headers: { authorization: `Bearer ${s.token}` } })),
          cookie: issued.map((s) => ({ method: "GET", path: "/session", headers: { cookie: s.cookie } })),
        };
      },
    };
  },
};
