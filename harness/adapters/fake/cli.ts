// Stands for the agent CLI the adapter drives: it holds memory and waits.
import { holdBallast, readKnobs, stayAlive } from "./knobs.js";

const knobs = readKnobs(process.env);
holdBallast(knobs.ballastMb);
stayAlive(knobs);
