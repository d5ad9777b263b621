import { Module } from '@nestjs/common';
import { PlaybooksService } from './playbooks.service';

@Module({ providers: [PlaybooksService], exports: [PlaybooksService] })
export class PlaybooksModule {}
