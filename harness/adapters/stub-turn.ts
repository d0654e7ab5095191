// How a loopback model stub answers every turn of one run: it replies, fails, or holds the turn open.
export type StubTurn = "reply" | "fail" | "hold";
