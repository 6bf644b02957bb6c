"""Provides the runtime: everything that acts — the reconcile loop, the shell runner,
git sources, the artefact store, monitor evaluation, the engine lock. Each outside thing
sits behind one small seam, so tests swap it for a fake."""
