#!/usr/bin/env node
import { createTributaryApp } from '../lib/tributary-app';

createTributaryApp({ nag: true });
