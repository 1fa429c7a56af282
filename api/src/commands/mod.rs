//! One module per `lastmile` subcommand.
