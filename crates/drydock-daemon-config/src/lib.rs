//! A daemon.json parser with positions and its conversion into DaemonSpec.
