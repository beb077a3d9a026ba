"""The HTTP API: people and systems reach the journeys here, each seeing what their role allows."""
