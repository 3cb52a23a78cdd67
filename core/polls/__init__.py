"""Quick polls: ``poll "Question?" "A" "B" … [anonymous]`` posted in a channel, voted on by click."""
