import { DynamicModule, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { dataSourceOptions } from './data-source';
import { createAppDataSource } from './tenant-connection';
import { NotificationListener } from './notification-listener.service';
import { OwnWritesHeardInterceptor } from './own-writes-heard.interceptor';
import { Transactions } from './transactions';

@Module({})
export class DatabaseModule {
  static forRoot(url: string, poolSize: number): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      imports: [
        // connections run as the application role, in the caller's tenant scope (tenant-connection.ts)
        TypeOrmModule.forRootAsync({
          useFactory: () => ({
            ...dataSourceOptions(url, poolSize),
            autoLoadEntities: true,
            migrationsRun: false,
          }),
          dataSourceFactory: (options) => createAppDataSource(options!),
        }),
      ],
      providers: [
        Transactions,
        NotificationListener,
        { provide: APP_INTERCEPTOR, useClass: OwnWritesHeardInterceptor },
      ],
      exports: [TypeOrmModule, Transactions, NotificationListener],
    };
  }
}
