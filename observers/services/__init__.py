"""Write workflows of the observers app, one module per topic (organisations, roster, mandates, ...)."""
