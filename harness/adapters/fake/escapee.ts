// A descendant of the fake CLI that left the chain's process group; only its tag finds it. Run
// where perl is not on PATH: otherwise the escapee is the perl waiter.
import { holdBallast, readKnobs, stayAlive } from "./knobs.js";

const knobs = readKnobs(process.env);
holdBallast(knobs.ballastMb);
stayAlive(knobs);
