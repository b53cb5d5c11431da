"""The one service that coordinates the flow: compose a draft, decide on it, send and publish it."""
