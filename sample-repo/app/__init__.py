"""Provides the sample service that the captain's demo pipeline builds, deploys and watches."""
